"""The review over HTTP on a real server: the table, replay, findings and actions; inspectors only read."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from script import INCIDENT, at, load_into
from support import Deployment, LocalServer, command_id, login

from review.bundle import verify_zip


@pytest.fixture
def server(deployment: Deployment) -> Iterator[LocalServer]:
    load_into(deployment)
    srv = LocalServer(deployment).start()
    try:
        yield srv
    finally:
        srv.stop()


def get(server: LocalServer, cookie: str, path: str, **params: str) -> httpx.Response:
    return httpx.get(server.base + path, params=params, cookies={"ic_session": cookie})


def post(server: LocalServer, session: tuple[str, str], name: str, args: dict[str, Any]) -> httpx.Response:
    cookie, csrf = session
    return httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": name, "args": args},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf, "accept-language": "zh-CN"},
    )


def test_review_for_reviewers_and_inspectors(server: LocalServer) -> None:
    reviewer = login(server, "reviewer")
    inspector = login(server, "inspector")
    duty = login(server, "duty")
    # 督查范围: the county commission and every unit under it (the script's incident is at a place no
    # unit holds, so it is the county's)
    scope = post(
        server,
        login(server, "admin"),
        "review.set_inspector_units",
        {"username": "inspector", "unit_ids": ["county"]},
    )
    assert scope.status_code == 200, scope.text

    review = get(server, inspector[0], f"/api/incidents/{INCIDENT}/review").json()
    rows = {(r["kind"], r["item"]): r for r in review["compliance"]}
    assert rows[("step", "notify_leader")]["holder"]["name"] == "王值班"
    assert rows[("step", "notify_leader")]["outcome"] == "late"
    # The page shows the duty in words; its id is the row's `item` (and the printed table's).
    assert rows[("step", "notify_leader")]["label"] == "报告分管领导"
    assert not [r["label"] for r in review["compliance"] if r["item"] and f"({r['item']})" in r["label"]]
    assert review["chain"]["ok"] is True and review["chain"]["checked"] > 0
    assert get(server, duty[0], f"/api/incidents/{INCIDENT}/review").status_code == 403
    assert get(server, reviewer[0], "/api/incidents/nope/review").status_code == 404
    page = get(server, inspector[0], f"/incidents/{INCIDENT}/review")
    assert page.status_code == 200 and "rv-add-finding" not in page.text  # no forms for inspectors
    assert "rv-add-finding" in get(server, reviewer[0], f"/incidents/{INCIDENT}/review").text
    assert 'id="review-link"' in get(server, reviewer[0], f"/incidents/{INCIDENT}").text
    assert 'id="review-link"' not in get(server, duty[0], f"/incidents/{INCIDENT}").text
    bundle = get(server, inspector[0], f"/api/incidents/{INCIDENT}/bundle.zip")
    assert bundle.status_code == 200 and verify_zip(bundle.content).ok
    svg = get(server, inspector[0], f"/api/incidents/{INCIDENT}/timeline.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert 'data-person="p-chen"' in svg.text and "陈队长" in svg.text and "在现场" in svg.text
    csv = get(server, inspector[0], f"/api/incidents/{INCIDENT}/compliance.csv")
    assert csv.status_code == 200 and "王值班 (p-wang)" in csv.text

    known = get(
        server, inspector[0], f"/api/incidents/{INCIDENT}/replay", at=at(20).isoformat(), mode="known"
    )
    happened = get(
        server, inspector[0], f"/api/incidents/{INCIDENT}/replay", at=at(20).isoformat(), mode="happened"
    )
    assert [p["status"] for p in known.json()["people"]] == ["acknowledged"]
    assert [p["status"] for p in happened.json()["people"]] == ["on_scene"]
    assert happened.json()["people"][0]["late_report"] == {
        "minutes": 15.0,
        "known_then": False,
        "position": 13,
    }
    bad = get(server, inspector[0], f"/api/incidents/{INCIDENT}/replay", mode="sideways")
    assert bad.status_code == 422

    # findings and actions: the reviewer writes, the inspector cannot
    refused = post(server, inspector, "review.add_finding", {"incident_id": INCIDENT, "text": "x"})
    assert refused.status_code == 403
    finding = post(
        server, reviewer, "review.add_finding", {"incident_id": INCIDENT, "text": "通知领导超时3分钟"}
    )
    assert finding.status_code == 200, finding.text
    finding_id = finding.json()["result"]["finding_id"]
    missing = post(
        server, reviewer, "review.add_action",
        {"incident_id": INCIDENT, "finding_id": "nope", "text": "t", "owner": "o",
         "due_at": "2030-01-01T00:00:00Z"},
    )  # fmt: skip
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "未找到该问题"
    action = post(
        server, reviewer, "review.add_action",
        {"incident_id": INCIDENT, "finding_id": finding_id, "text": "修订值班交接制度", "owner": "信访室",
         "due_at": "2030-01-01T00:00:00Z"},
    )  # fmt: skip
    assert action.status_code == 200, action.text
    action_id = action.json()["result"]["action_id"]
    findings = get(server, inspector[0], f"/api/incidents/{INCIDENT}/review").json()["findings"]
    assert [(f["text"], [a["status"] for a in f["actions"]]) for f in findings] == [
        ("通知领导超时3分钟", ["open"])
    ]
    done = post(server, reviewer, "review.complete_action", {"incident_id": INCIDENT, "action_id": action_id})
    assert done.status_code == 200, done.text
    again = post(
        server, reviewer, "review.complete_action", {"incident_id": INCIDENT, "action_id": action_id}
    )
    assert again.status_code == 409
    findings = get(server, inspector[0], f"/api/incidents/{INCIDENT}/review").json()["findings"]
    assert findings[0]["actions"][0]["status"] == "done" and findings[0]["actions"][0]["done_by"]
