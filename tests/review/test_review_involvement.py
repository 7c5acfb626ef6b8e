"""A person's 工作记录 reads only the incidents that name them (review_involvement): the same entries
as reading every incident's log of the period, for every person, an incident with a report and its
pages included; and a rebuild gives the same rows as the live projection (real stack, both databases)."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, import_organisation
from support import LocalServer

from console.clock import parse_iso
from console.db import open_database
from console.domains import registry
from console.maintenance import rebuild
from console.review import queries
from console.review.store import incident_log, pages_of
from review.activity import activity, of_person

PEOPLE = ("r1", "r2", "r3", "leader", "duty")


def _scenario(server: LocalServer) -> tuple[str, str]:
    """Two incidents: at the first r1 is dispatched and acknowledges, and a report is drafted by the
    duty officer, approved by the leader and sent; at the second only r2 is dispatched."""
    duty, leader = Api(server, "duty"), Api(server, "leader")
    import_organisation(duty)
    base = {"type": "sit_in", "head_count": 30, "summary": "静坐", "channel": "phone"}
    first = str(duty.ok("incident.register", {**base, "place": "城关镇政府"})["incident_id"])
    duty.ok(
        "responder.dispatch",
        {"incident_id": first, "person_ids": ["r1"], "role": "field_commander", "destination_id": "gate"},
    )
    duty.ok("responder.move", {"move": "acknowledge", "incident_id": first, "person_id": "r1"})
    report = duty.ok("report.draft", {"incident_id": first, "stage": "initial", "obligation_id": "initial"})
    report_id = report["report_id"]
    fields = duty.get(f"/api/reports/{report_id}").json()["report"]["fields"]
    duty.ok(
        "report.edit",
        {"report_id": report_id, "texts": {f["key"]: "已核实。" for f in fields if f["missing"]}},
    )
    duty.ok("report.submit", {"report_id": report_id})
    leader.ok("report.approve", {"report_id": report_id})
    duty.ok("report.send", {"report_id": report_id})
    second = str(duty.ok("incident.register", {**base, "place": "接待大厅"})["incident_id"])
    duty.ok(
        "responder.dispatch",
        {"incident_id": second, "person_ids": ["r2"], "role": "field_responder", "destination_id": "hall"},
    )
    return first, second


def _every_log(server: LocalServer, person_id: str, start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    """What a person's activity was before the projection: every incident of the period read."""

    async def read() -> list[tuple[Any, ...]]:
        db = open_database(server.deployment.settings)
        try:
            async with db.read.connect() as conn:
                persons = await conn.run_sync(queries.persons_of_users)
                found: list[tuple[Any, ...]] = []
                for incident_id, number, _ in await conn.run_sync(queries.incidents_in_period, start, end):
                    log = await incident_log(conn, incident_id, number)
                    pages = await conn.run_sync(pages_of, incident_id)
                    entries = activity(incident_id, log.events, pages=pages, persons=persons)
                    for e in of_person(entries, person_id, start, end):
                        found.append(
                            (number, e.at.isoformat(), e.activity.value, e.subject, e.detail, e.positions)
                        )
                return sorted(found, key=lambda x: (x[1], x[0]))
        finally:
            await db.dispose()

    return asyncio.run(read())


def test_a_persons_activity_reads_only_their_incidents_and_misses_nothing(server: LocalServer) -> None:
    first, second = _scenario(server)
    reviewer = Api(server, "reviewer")
    for person in PEOPLE:
        reply = httpx.get(
            server.base + f"/api/review/people/{person}/activity",
            cookies={"ic_session": reviewer.cookie, "ic_locale": "zh_CN"},
            timeout=120,
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        start, end = parse_iso(body["from"]), parse_iso(body["to"])
        got = [
            (e["number"], e["at"], e["activity"], e["subject"], e["detail"], tuple(e["positions"]))
            for e in body["entries"]
        ]
        assert got == _every_log(server, person, start, end), person
        if person == "leader":  # approving the report (an event naming no incident) is found too
            assert ("report_approved", first) in {(e["activity"], e["incident_id"]) for e in body["entries"]}

    rows = server.deployment.dump_projections()["review_involvement"]
    involved = {(str(r[0]), str(r[1])) for r in rows}
    assert ("person:r1", first) in involved and ("person:r1", second) not in involved
    assert ("person:r2", second) in involved and ("person:r2", first) not in involved
    # the leader recorded nothing at the first incident but the report's approval, whose event names
    # only its report: the report's incident is found through the reports' projection
    recorders = {w for w, i in involved if i == first and w.startswith("user:")}
    assert len(recorders) == 2, recorders  # the duty officer and the leader

    async def rebuild_all() -> None:
        db = open_database(server.deployment.settings)
        try:
            await rebuild(db, registry())
        finally:
            await db.dispose()

    before = server.deployment.dump_projections()
    asyncio.run(rebuild_all())
    after = server.deployment.dump_projections()
    assert after["review_involvement"] == before["review_involvement"] == rows
    assert after == before


def test_upgrading_a_database_with_events_fills_the_indexes_as_a_rebuild_would(tmp_path: Path) -> None:
    """Migration 0020 on a log written before it: the scripted sit-in's events are indexed (who they
    name, the moves and organisation events of its log) exactly as `rebuild` indexes them."""
    from script import INCIDENT, scripted
    from sqlalchemy import create_engine, select

    from console import eventlog
    from console.migrate import migrate
    from console.review.store import incident_log
    from console.review.tables import review_involvement, review_log_index
    from console.settings import load_settings

    settings = load_settings({"CONSOLE_DATA_DIR": str(tmp_path), "CONSOLE_SECRET_KEY": "k"})
    migrate(settings, "0019")
    events = scripted().events
    engine = create_engine(settings.database_url.replace("+aiosqlite", ""))
    with engine.begin() as conn:
        eventlog.insert_events(conn, events)

    def indexes() -> tuple[list[Any], list[Any]]:
        with engine.connect() as conn:
            who = conn.execute(select(review_involvement).order_by(*review_involvement.primary_key)).all()
            log = conn.execute(select(review_log_index).order_by(*review_log_index.primary_key)).all()
            return [tuple(r) for r in who], [tuple(r) for r in log]

    migrate(settings)
    upgraded = indexes()
    assert ("person:p-chen", INCIDENT) in {(r[0], r[1]) for r in upgraded[0]}

    async def rebuilt_and_read() -> int:
        db = open_database(settings)
        try:
            await rebuild(db, registry())
            async with db.read.connect() as conn:
                return len((await incident_log(conn, INCIDENT, "XF-2026-0001")).events)
        finally:
            await db.dispose()

    read = asyncio.run(rebuilt_and_read())
    assert indexes() == upgraded
    # the incident's log read by index holds every event of the script (all are its or the organisation's)
    assert read == len(events)
    engine.dispose()
