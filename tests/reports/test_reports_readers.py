"""Who may read a report's text: duty officers, leaders, reviewers and inspectors; not responders, not the
administrator — on the pages, the API, the downloads and the live stream alike."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, import_organisation
from support import LiveClient, LocalServer, login

MARK = "诉求原文甲乙丙"  # a text only the report holds
REASON = "退回理由丁戊己"


@pytest.fixture
def report(server: LocalServer) -> tuple[str, str]:
    duty, leader = Api(server, "duty"), Api(server, "leader")
    import_organisation(duty)
    incident = duty.ok(
        "incident.register",
        {"type": "sit_in", "place": "机关大门", "head_count": 12, "summary": "静坐", "channel": "phone"},
    )["incident_id"]
    report_id = duty.ok("report.draft", {"incident_id": incident, "stage": "initial"})["report_id"]
    duty.ok("report.edit", {"report_id": report_id, "texts": {"demands": MARK}})
    fields = duty.get(f"/api/reports/{report_id}").json()["report"]["fields"]
    missing = {f["key"]: "已核实。" for f in fields if f["missing"]}
    if missing:
        duty.ok("report.edit", {"report_id": report_id, "texts": missing})
    duty.ok("report.submit", {"report_id": report_id})
    leader.ok("report.return", {"report_id": report_id, "reason": REASON})
    # an inspector reads the reports of the units they oversee (督查范围): here the whole county
    Api(server, "admin").ok("review.set_inspector_units", {"username": "inspector", "unit_ids": ["county"]})
    return incident, report_id


READERS = ("duty", "leader", "reviewer", "inspector")
OTHERS = ("responder", "admin")


def _paths(incident: str, report_id: str) -> list[str]:
    return [
        f"/api/incidents/{incident}/reports",
        f"/api/reports/{report_id}",
        f"/api/reports/{report_id}/document.docx",
        f"/reports/{report_id}",
        f"/incidents/{incident}/reports",
    ]


@pytest.mark.parametrize("user", READERS + OTHERS)
def test_each_role_reads_a_report_only_if_it_may(
    server: LocalServer, report: tuple[str, str], user: str
) -> None:
    incident, report_id = report
    api = Api(server, user)
    for path in _paths(incident, report_id):
        r = api.get(path)
        if user in READERS:
            assert r.status_code == 200, (user, path, r.status_code, r.text[:200])
        else:
            assert r.status_code == 403, (user, path, r.status_code, r.text[:200])
            assert MARK not in r.text
    detail = api.get(f"/api/reports/{report_id}")
    if user in READERS:
        assert MARK in detail.text
    # The board itself stays open to every role; the stream never carries a report's text.
    assert api.get("/").status_code == 200
    events = api.get("/api/events?after=0&limit=1000")
    assert events.status_code == 200
    assert MARK not in events.text and REASON not in events.text
    assert "report.drafted" in events.text  # the report is known to exist, its text is not sent

    async def over_ws() -> list[dict[str, Any]]:
        cookie, _ = login(server, user)
        client = LiveClient(server.ws_url, cookie)
        await client.connect()
        try:
            return [*client.snapshots, *client.events]
        finally:
            await client.close()

    frames = str(asyncio.run(over_ws()))
    assert MARK not in frames and REASON not in frames
