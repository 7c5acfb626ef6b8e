"""履职情况汇总: the compliance of a period's incidents summed per unit, per person and per month, by
hand-counted figures; drills never count; inspectors see their units only (real stack too)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from script import INCIDENT, at, load_into, scripted
from support import Deployment, LocalServer, command_id, login

from review.compliance import compliance
from review.summary import IncidentTable, summarise, to_csv


def test_sums_per_unit_person_and_month() -> None:
    rows = compliance(INCIDENT, scripted().events, at(40))
    march = IncidentTable(INCIDENT, "XF-2026-0001", "county", "县纪委监委", "2026-03", rows)
    april = IncidentTable("i2", "XF-2026-0002", "town", "城关镇", "2026-04", rows)
    summary = summarise([march, april])

    # counted: 4 on time, 5 late, 11 overdue (blocked, pending and not-applicable steps are not duties)
    county = summary.by_unit[0]
    assert (county.key, county.duties, county.on_time, county.late, county.overdue) == (
        "county",
        20,
        4,
        5,
        11,
    )
    assert county.on_time_rate == pytest.approx(4 / 20) and county.incidents == {"XF-2026-0001"}
    assert [t.key for t in summary.by_month] == ["2026-03", "2026-04"]

    # each person: the late duties they held when due, over both incidents (hand-counted from the
    # compliance table of test_compliance)
    people = {t.key: (t.late, t.overdue, round(t.minutes_late, 1)) for t in summary.by_person}
    assert people == {
        "p-wang": (2, 0, 6.0),  # notify_leader, 3 min
        "p-li": (2, 2, 24.0),  # leader_ack 2, leader_on_site 10
        "p-qian": (0, 4, 110.0),  # notify_commission_head 25, local_unit 30
        "p-chen": (2, 0, 10.0),  # dispatch_team 5
        "p-liu": (2, 6, 34.0),  # persuade 10, separate_organisers 0, dispatch ack 4, roll call 3
    }
    text = to_csv(summary)
    assert text.splitlines()[0].startswith("分组 group,") and "person,p-qian,钱值班,2,4,0,0,4,110.0," in text


@pytest.fixture
def server(deployment: Deployment) -> Iterator[LocalServer]:
    load_into(deployment)
    srv = LocalServer(deployment).start()
    try:
        yield srv
    finally:
        srv.stop()


def _command(server: LocalServer, who: str, name: str, args: dict[str, Any]) -> httpx.Response:
    cookie, csrf = login(server, who)
    return httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": name, "args": args},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf},
        timeout=60,
    )


def test_the_summary_over_http(server: LocalServer) -> None:
    # a drill registered now: it never counts
    drill = {
        "type": "sit_in",
        "place": "机关大门",
        "head_count": 5,
        "summary": "演练",
        "channel": "phone",
        "drill": True,
    }
    assert _command(server, "duty", "incident.register", drill).status_code == 200
    reviewer, _ = login(server, "reviewer")
    year = {"from": "2026-01-01T00:00:00+08:00", "to": "2027-01-01T00:00:00+08:00"}
    reply = httpx.get(
        server.base + "/api/review/summary", params=year, cookies={"ic_session": reviewer}, timeout=120
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["incidents"] == 1
    [march] = body["by_month"]
    assert march["key"] == "2026-03" and march["incidents"] == ["XF-2026-0001"]
    [unit] = body["by_unit"]
    assert unit["key"] == "county" and unit["name"] == "某县纪委监委"
    assert any(p["key"] == "p-wang" and p["late"] == 1 for p in body["by_person"])

    csv = httpx.get(
        server.base + "/api/review/summary.csv", params=year, cookies={"ic_session": reviewer}, timeout=120
    )
    assert csv.status_code == 200 and "person,p-wang,王值班" in csv.text
    page = httpx.get(
        server.base + "/review/summary", params=year, cookies={"ic_session": reviewer}, timeout=120
    )
    assert page.status_code == 200 and 'data-key="p-wang"' in page.text and "履职情况汇总" in page.text

    bad = httpx.get(
        server.base + "/api/review/summary", params={"from": "nonsense"}, cookies={"ic_session": reviewer}
    )
    assert bad.status_code == 422 and bad.json()["error"]["message"]
    backwards = {"from": year["to"], "to": year["from"]}
    assert (
        httpx.get(
            server.base + "/api/review/summary", params=backwards, cookies={"ic_session": reviewer}
        ).status_code
        == 422
    )

    # an inspector sees the units set for them only
    inspector, _ = login(server, "inspector")
    none = httpx.get(
        server.base + "/api/review/summary", params=year, cookies={"ic_session": inspector}, timeout=120
    )
    assert none.json()["incidents"] == 0
    scope = {"username": "inspector", "unit_ids": ["county"]}
    assert _command(server, "admin", "review.set_inspector_units", scope).status_code == 200
    mine = httpx.get(
        server.base + "/api/review/summary", params=year, cookies={"ic_session": inspector}, timeout=120
    )
    assert mine.json()["incidents"] == 1
    duty, _ = login(server, "duty")
    assert httpx.get(server.base + "/api/review/summary", cookies={"ic_session": duty}).status_code == 403
