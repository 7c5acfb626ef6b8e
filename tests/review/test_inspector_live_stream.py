"""督查范围 on the live stream (real uvicorn, real WebSocket clients, SQLite and PostgreSQL): an inspector of
城关镇 connected before an incident of 信访室 is registered never receives any of its events, live or on
resume (from memory or from the log), while the town's arrive; the duty officer still gets everything;
the inspector's snapshot holds the town's incidents only; an incident moved into or out of the town
sends the inspector's screens to resync."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, import_organisation
from support import Deployment, LiveClient, LocalServer, Server, start_all

TOWN_PLACE, OFFICE_PLACE = "城关镇政府", "接待大厅"


def _register(duty: Api, place: str, summary: str) -> str:
    args = {"type": "sit_in", "place": place, "head_count": 20, "summary": summary, "channel": "phone"}
    return str(duty.ok("incident.register", args)["incident_id"])


def _position(duty: Api, incident_id: str) -> int:
    """The position of the incident's latest event (as the duty officer's API shows it)."""
    r = httpx.get(
        duty.server.base + f"/api/incidents/{incident_id}", cookies={"ic_session": duty.cookie}, timeout=30
    )
    assert r.status_code == 200, r.text
    return int(r.json()["incident"]["last_position"])


def _about(frames: list[dict[str, Any]], incident_id: str) -> list[dict[str, Any]]:
    """Every frame that names the incident anywhere (its id in the payload, or in the stream)."""
    return [f for f in frames if incident_id in str(f)]


def _snapshot_ids(client: LiveClient) -> set[str]:
    state = client.snapshots[-1]["state"]
    ids = {row["id"] for row in state["incidents"]}
    for part in ("notes", "runs", "assignments"):
        ids |= {row["incident_id"] for row in state[part]}
    ids |= {row["incident_id"] for row in state["alerts"]["open_pages"]}
    return ids


@pytest.fixture
def town(server: LocalServer) -> tuple[Api, Api]:
    duty, admin = Api(server, "duty"), Api(server, "admin")
    import_organisation(duty)
    admin.ok("review.set_inspector_units", {"username": "inspector", "unit_ids": ["town"]})
    return duty, Api(server, "inspector")


async def test_an_inspector_receives_the_events_of_their_units_only(
    server: LocalServer, town: tuple[Api, Api]
) -> None:
    duty, inspector = town
    desk, tablet = LiveClient(server.ws_url, duty.cookie), LiveClient(server.ws_url, inspector.cookie)
    clients = [desk, tablet]
    try:
        await desk.connect()
        await tablet.connect()
        office = _register(duty, OFFICE_PLACE, "信访室门口静坐")
        duty.ok("incident.note", {"incident_id": office, "text": "已联系信访室"})
        mine = _register(duty, TOWN_PLACE, "城关镇政府门口静坐")
        last = _position(duty, mine)
        # In order: once the town's incident has arrived, everything before it has been decided.
        await tablet.wait_position(last)
        await desk.wait_position(last)
        assert _about(tablet.events, mine) and not _about(tablet.events, office)
        seen_by_desk = {e["event"] for e in _about(desk.events, office)}
        assert seen_by_desk >= {"incident.registered", "incident.note_added"}

        # Resume from the log: no limited view was online while these were written.
        await tablet.close()
        other = _register(duty, OFFICE_PLACE, "信访室再次静坐")
        duty.ok("incident.note", {"incident_id": mine, "text": "镇里已派人"})
        last = _position(duty, mine)
        await tablet.connect()
        await tablet.wait_position(last)
        assert len(tablet.snapshots) == 1, "a resume within the replay window replays"
        assert not _about(tablet.events, office) and not _about(tablet.events, other)
        notes = [e for e in _about(tablet.events, mine) if e["event"] == "incident.note_added"]
        assert len(notes) == 1, "what was missed arrives once"

        # Resume from memory: another inspector's screen stays online, so the hub knows each unit.
        wall = LiveClient(server.ws_url, inspector.cookie)
        clients.append(wall)
        await wall.connect()
        await tablet.close()
        third = _register(duty, OFFICE_PLACE, "信访室第三次")
        duty.ok("incident.note", {"incident_id": mine, "text": "群众已劝返一半"})
        last = _position(duty, mine)
        await tablet.connect()
        await tablet.wait_position(last)
        await wall.wait_position(last)
        for client in (tablet, wall):
            assert not any(_about(client.events, i) for i in (office, other, third))
        positions = [e["position"] for e in tablet.events]
        assert positions == sorted(set(positions)), "in order, once"

        # A fresh snapshot holds the town's incident only.
        fresh = LiveClient(server.ws_url, inspector.cookie)
        clients.append(fresh)
        await fresh.connect()
        assert mine in _snapshot_ids(fresh)
        assert not _snapshot_ids(fresh) & {office, other, third}
        assert all(_about(desk.events, i) for i in (office, other, third, mine)), "the desk gets all"
    finally:
        for client in clients:
            await client.close()


async def test_an_incident_moved_out_of_the_units_leaves_the_inspectors_screens(
    server: LocalServer, town: tuple[Api, Api]
) -> None:
    duty, inspector = town
    tablet = LiveClient(server.ws_url, inspector.cookie)
    try:
        await tablet.connect()
        mine = _register(duty, TOWN_PLACE, "城关镇政府门口静坐")
        await tablet.wait_position(_position(duty, mine))
        duty.ok("incident.amend", {"incident_id": mine, "place": OFFICE_PLACE, "reason": "地点登记有误"})
        await tablet.wait_closed()
        assert tablet.closed_with == 4409  # resume: what the screen holds has changed
        assert not [e for e in _about(tablet.events, mine) if e["event"] == "incident.facts_amended"]
        await tablet.connect()
        assert len(tablet.snapshots) == 2 and mine not in _snapshot_ids(tablet)

        # And back into the town: the screen resyncs again and the incident is there.
        duty.ok("incident.amend", {"incident_id": mine, "place": TOWN_PLACE, "reason": "更正回城关镇"})
        await tablet.wait_closed()
        await tablet.connect()
        assert len(tablet.snapshots) == 3 and mine in _snapshot_ids(tablet)
    finally:
        await tablet.close()


async def test_an_inspector_on_another_process_gets_their_units_only(
    deployment: Deployment, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("two processes on one database share it through PostgreSQL's LISTEN/NOTIFY")
    # The desk writes through one process; the inspector watches another, whose follower reads the log.
    writer, watcher = start_all(Server(deployment), Server(deployment))
    tablet: LiveClient | None = None
    try:
        duty, admin = Api(writer, "duty"), Api(writer, "admin")
        import_organisation(duty)
        admin.ok("review.set_inspector_units", {"username": "inspector", "unit_ids": ["town"]})
        tablet = LiveClient(watcher.ws_url, Api(watcher, "inspector").cookie)
        await tablet.connect()
        office = _register(duty, OFFICE_PLACE, "信访室门口静坐")
        mine = _register(duty, TOWN_PLACE, "城关镇政府门口静坐")
        await tablet.wait_position(_position(duty, mine))
        assert _about(tablet.events, mine) and not _about(tablet.events, office)
    finally:
        if tablet is not None:
            await tablet.close()
        writer.stop()
        watcher.stop()
