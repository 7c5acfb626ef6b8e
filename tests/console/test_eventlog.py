"""The log itself: hash chain, tamper detection, and rebuilding projections from it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import text
from support import Deployment, LiveClient, LocalServer, Served, cli, login, register_args

from console import eventlog
from console.commands import Actor
from console.db import open_database
from console.eventlog import GENESIS, Head, seal
from console.events import NewEvent
from console.incidents.events import IncidentNoteAdded

ACTOR = Actor(id="u1", name="王值班", roles=frozenset({"duty_officer"}))
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _drafts(n: int) -> list[NewEvent]:
    return [
        NewEvent(
            stream="incident-a", payload=IncidentNoteAdded(incident_id="a", note_id=f"n{i}", text=f"记录{i}")
        )
        for i in range(n)
    ]


def test_seal_links_each_event_to_the_previous_hash() -> None:
    head = Head(0, GENESIS)
    sealed = seal(head, _drafts(3), actor=ACTOR, recorded_at=T0, occurred_at=T0, command_id="c1")
    assert [e.position for e in sealed] == [1, 2, 3]
    assert sealed[0].prev_hash == GENESIS
    assert [e.prev_hash for e in sealed[1:]] == [e.hash for e in sealed[:-1]]
    assert (head.position, head.hash) == (3, sealed[-1].hash)
    # the hash covers content: the same drafts at another time hash differently
    other = seal(
        Head(0, GENESIS),
        _drafts(3),
        actor=ACTOR,
        recorded_at=T0.replace(hour=9),
        occurred_at=T0,
        command_id="c1",
    )
    assert other[0].hash != sealed[0].hash


def test_seal_is_deterministic() -> None:
    a = seal(Head(0, GENESIS), _drafts(2), actor=ACTOR, recorded_at=T0, occurred_at=T0, command_id=None)
    b = seal(Head(0, GENESIS), _drafts(2), actor=ACTOR, recorded_at=T0, occurred_at=T0, command_id=None)
    assert [e.hash for e in a] == [e.hash for e in b]


async def _fill(server: Served) -> None:
    cookie, _ = login(server, "duty")
    client = LiveClient(server.ws_url, cookie)
    await client.connect()
    ids = []
    for i in range(4):
        ids.append(
            (await client.wait_result(await client.send("incident.register", register_args(i))))["result"]
        )
    for i, r in enumerate(ids):
        await client.wait_result(
            await client.send("incident.note", {"incident_id": r["incident_id"], "text": "到场"})
        )
        await client.wait_result(
            await client.send(
                "incident.amend", {"incident_id": r["incident_id"], "head_count": 100 + i, "reason": "核实"}
            )
        )
    await client.wait_result(
        await client.send(
            "incident.close",
            {"incident_id": ids[0]["incident_id"], "outcome": "resolved", "summary": "已劝返"},
        )
    )
    await client.close()


async def test_rebuild_replays_the_log_into_identical_projections(deployment: Deployment) -> None:
    server = LocalServer(deployment).start()
    try:
        await _fill(server)
    finally:
        server.stop()
    before = await asyncio.to_thread(deployment.dump_projections)
    assert len(before["incidents"]) == 4 and len(before["incident_notes"]) == 4
    assert len(before["review_fig_incidents"]) == 4  # the §25 figures' rows are rebuilt like the rest
    out = cli(deployment.env, "rebuild")
    assert "13" in out.stdout
    after = await asyncio.to_thread(deployment.dump_projections)
    assert after == before


async def test_verify_log_names_the_first_tampered_position(deployment: Deployment) -> None:
    server = LocalServer(deployment).start()
    try:
        await _fill(server)
    finally:
        server.stop()
    assert cli(deployment.env, "verify-log").returncode == 0

    async def tamper() -> None:
        db = open_database(deployment.settings)
        try:
            async with db.write.begin() as conn:
                await conn.execute(
                    text("UPDATE events SET payload = replace(payload, '到场', '未到场') WHERE position = 5")
                )
                await conn.execute(text("UPDATE events SET actor_name = '别人' WHERE position = 9"))
            async with db.read.connect() as conn:
                result = await eventlog.verify(conn)
            assert (result.broken_at, result.reason) == (5, "hash")
        finally:
            await db.dispose()

    await asyncio.to_thread(asyncio.run, tamper())
    out = cli(deployment.env, "verify-log", check=False)
    assert out.returncode == 2
    assert "position 5 " in out.stdout and "hash" in out.stdout
