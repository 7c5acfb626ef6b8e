"""The command writer reads a batch's notes' incidents, and writes their notes, moves and who they
involve, once for the batch: what it commits is what writing them command by command gives (a rebuild
from the log reproduces it), a note judged after its incident changed in the same batch sees the change,
and a batch's statements do not grow with its notes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import support
from sqlalchemy import event, select
from support import Deployment

from console.domains import registry
from console.incidents.tables import incident_notes, incidents
from console.maintenance import rebuild
from console.review.tables import review_involvement

REGISTER = {"type": "collective_visit", "place": "接待大厅", "head_count": 12, "summary": "s"}


class Writer(support.Writer):
    """The command writer, counting the statements it sends too."""

    def __init__(self, deployment: Deployment) -> None:
        super().__init__(deployment)
        self.statements = 0
        engine = self.db._sync_writer if self.db._sync_writer is not None else self.db.write.sync_engine

        def count(*_args: Any) -> None:
            self.statements += 1

        event.listen(engine, "before_cursor_execute", count)

    async def projections(self) -> dict[str, list[tuple[Any, ...]]]:
        return await self.db.read_off_loop(registry().dump)


@pytest.fixture
async def writer(deployment: Deployment) -> AsyncIterator[Writer]:
    w = Writer(deployment)
    w.service.start()
    try:
        yield w
    finally:
        await w.service.stop()
        await w.db.dispose()


async def test_a_note_after_its_incident_closed_in_the_same_batch_is_refused(writer: Writer) -> None:
    duty = await writer.actor("duty")
    first = (await writer.send(duty, "incident.register", **REGISTER)).result["incident_id"]
    second = (await writer.send(duty, "incident.register", **REGISTER)).result["incident_id"]
    writer.batches.clear()
    noted, closed, late, other = await asyncio.gather(
        writer.send(duty, "incident.note", incident_id=first, text="结案前"),
        writer.send(duty, "incident.close", incident_id=first, outcome="resolved"),
        writer.send(duty, "incident.note", incident_id=first, text="结案后"),
        writer.send(duty, "incident.note", incident_id=second, text="另一起"),
    )
    assert writer.batches == [4]
    assert noted.ok and closed.ok and other.ok
    assert not late.ok and late.error is not None and late.error.code == "incident_closed"
    async with writer.db.read.connect() as conn:
        positions = dict((await conn.execute(select(incidents.c.id, incidents.c.last_position))).all())
        notes = (await conn.execute(select(incident_notes.c.incident_id, incident_notes.c.position))).all()
    assert positions[first] == closed.last_position
    assert positions[second] == other.last_position
    assert sorted(notes) == sorted([(first, noted.last_position), (second, other.last_position)])


async def test_a_batch_commits_what_a_rebuild_from_the_log_gives(writer: Writer) -> None:
    duty, leader = await writer.actor("duty"), await writer.actor("leader")
    ids = [(await writer.send(duty, "incident.register", **REGISTER)).result["incident_id"] for _ in range(3)]
    writer.batches.clear()
    results = await asyncio.gather(
        writer.send(duty, "incident.register", **REGISTER),
        *(writer.send(duty, "incident.note", incident_id=i, text="同批") for i in ids),
        *(writer.send(leader, "incident.note", incident_id=i, text="领导") for i in ids),
        writer.send(leader, "incident.note", incident_id=ids[0], text="再一条"),
        writer.send(duty, "incident.amend", incident_id=ids[1], place="机关大门", reason="r"),
        writer.send(duty, "incident.note", incident_id=ids[1], text="更正后"),
    )
    assert writer.batches == [len(results)]
    assert all(r.ok for r in results)
    async with writer.db.read.connect() as conn:
        involved = {
            (r.who, r.incident_id): r.position for r in await conn.execute(select(review_involvement))
        }
    # The leader is involved from their first note at each incident, not a later one.
    for incident, result in zip(ids, results[4:7], strict=True):
        assert involved[(f"user:{leader.id}", incident)] == result.last_position
    committed = await writer.projections()
    await rebuild(writer.db, registry())
    assert await writer.projections() == committed


async def test_a_batch_of_notes_costs_the_same_statements_for_two_notes_or_eight(writer: Writer) -> None:
    duty = await writer.actor("duty")
    ids = [(await writer.send(duty, "incident.register", **REGISTER)).result["incident_id"] for _ in range(8)]
    for i in ids:  # the author is involved at every incident already
        assert (await writer.send(duty, "incident.note", incident_id=i, text="先")).ok

    async def batch_of(n: int) -> int:
        writer.batches.clear()
        writer.statements = 0
        done = await asyncio.gather(
            *(writer.send(duty, "incident.note", incident_id=i, text="后") for i in ids[:n])
        )
        assert writer.batches == [n] and all(r.ok for r in done)
        return writer.statements

    assert await batch_of(8) == await batch_of(2)
