"""A person's own 工作记录 over a period: their activity at every incident of it, each entry naming its
incident, within an inspector's units only (real stack, SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, import_organisation
from support import LocalServer


def _incident(duty: Api, place: str) -> tuple[str, str]:
    args = {"type": "sit_in", "place": place, "head_count": 20, "summary": "静坐", "channel": "phone"}
    found = duty.ok("incident.register", args)
    incident = str(found["incident_id"])
    duty.ok(
        "responder.dispatch",
        {"incident_id": incident, "person_ids": ["r1"], "role": "field_responder", "destination_id": "gate"},
    )
    duty.ok("responder.move", {"move": "acknowledge", "incident_id": incident, "person_id": "r1"})
    return incident, str(found["number"])


def _get(api: Api, path: str) -> httpx.Response:
    return httpx.get(api.server.base + path, cookies={"ic_session": api.cookie}, timeout=120)


def test_a_persons_activity_across_the_incidents_of_a_period(server: LocalServer) -> None:
    duty, admin, inspector = Api(server, "duty"), Api(server, "admin"), Api(server, "inspector")
    reviewer = Api(server, "reviewer")
    import_organisation(duty)
    town, town_no = _incident(duty, "城关镇政府")
    _office, office_no = _incident(duty, "接待大厅")

    body = _get(reviewer, "/api/review/people/r1/activity").json()
    assert body["person"] == {"id": "r1", "name": "张一"}
    moves = [
        (e["number"], e["activity"])
        for e in body["entries"]
        if e["activity"] in ("dispatched", "acknowledged")
    ]
    assert moves == [
        (town_no, "dispatched"),
        (town_no, "acknowledged"),
        (office_no, "dispatched"),
        (office_no, "acknowledged"),
    ]
    ack = next(e for e in body["entries"] if e["activity"] == "acknowledged")
    assert ack["detail"] == "由王值班代为登记" and ack["replay"].startswith(f"/incidents/{town}/review?at=")
    # 王值班 (duty) is a person too: what they recorded at both incidents is theirs
    duty_log = _get(reviewer, "/api/review/people/duty/activity").json()["entries"]
    assert [e["activity"] for e in duty_log].count("registered") == 2

    lines = list(
        csv.reader(io.StringIO(_get(reviewer, "/api/review/people/r1/activity.csv").text.lstrip("\ufeff")))
    )
    assert lines[0][:2] == ["事件 incident", "人员 person"]
    assert {line[0] for line in lines[1:]} == {town_no, office_no}

    # an inspector of 城关镇 sees the town's incident only
    admin.ok("review.set_inspector_units", {"username": "inspector", "unit_ids": ["town"]})
    seen = _get(inspector, "/api/review/people/r1/activity").json()["entries"]
    assert seen and {e["incident_id"] for e in seen} == {town}
    page = _get(inspector, "/review/people/r1/activity")
    assert page.status_code == 200 and town_no in page.text and office_no not in page.text

    # a period before both: nothing; a period the wrong way round, or no such person: refused
    early = _get(reviewer, "/api/review/people/r1/activity?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z")
    assert early.json()["entries"] == []
    wrong = _get(reviewer, "/api/review/people/r1/activity?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z")
    assert wrong.status_code == 422
    assert _get(reviewer, "/api/review/people/nobody/activity").status_code == 404
    assert _get(duty, "/api/review/people/r1/activity").status_code == 403
