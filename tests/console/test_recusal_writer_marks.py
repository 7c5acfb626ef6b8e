"""回避 on the write path: the command writer keeps the marked incidents instead of reading them per command,
and never lets a command or an event past a mark, whoever made it and whenever.

Two writers on one database stand for two console processes (each its own engines and connections).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, select
from support import Deployment, Writer

from console.incidents import recusal
from console.service import CommandResult
from console.tables import events


@pytest.fixture
async def writers(deployment: Deployment) -> AsyncIterator[tuple[Writer, Writer]]:
    a, b = Writer(deployment), Writer(deployment)
    a.service.start()
    b.service.start()
    try:
        yield a, b
    finally:
        for w in (a, b):
            await w.service.stop()
            await w.db.dispose()


REGISTER = {"type": "collective_visit", "place": "接待大厅", "head_count": 12, "summary": "s"}


async def _visibility(w: Writer, result: CommandResult) -> str:
    async with w.db.read.connect() as conn:
        query = select(events.c.visibility).where(events.c.position == result.last_position)
        return str(await conn.scalar(query))


_MARK_READS = ("SELECT incidents.about_commission_head FROM", "WHERE incidents.about_commission_head IS")


def _selects_of_incident_marks(w: Writer) -> list[str]:
    """Statements reading the incidents' marks, as the writer sends them (registered on its engines)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        flat = " ".join(statement.split())
        # is_recused's read of one incident's mark, and recused_ids' read of every marked incident.
        if any(part in flat for part in _MARK_READS):
            seen.append(flat)

    engine = w.db._sync_writer if w.db._sync_writer is not None else w.db.write.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    return seen


async def test_a_mark_made_by_another_process_holds_at_once(writers: tuple[Writer, Writer]) -> None:
    a, b = writers
    duty, responder = await a.actor("duty"), await a.actor("responder")
    registered = await a.send(duty, "incident.register", **REGISTER)
    assert registered.ok
    incident = registered.result["incident_id"]
    before = await a.send(responder, "incident.note", incident_id=incident, text="到场")
    assert before.ok and await _visibility(a, before) == "all"
    marks = _selects_of_incident_marks(a)
    steady = await a.send(responder, "incident.note", incident_id=incident, text="稳定")
    assert steady.ok and marks == []  # nothing moved the log but this writer: the marks are not read

    marked = await b.send(
        await b.actor("duty"), "incident.amend", incident_id=incident, about_commission_head=True, reason="r"
    )
    assert marked.ok

    refused = await a.send(responder, "incident.note", incident_id=incident, text="再次")
    assert not refused.ok and refused.error is not None and refused.error.code == "incident_not_found"
    noted = await a.send(duty, "incident.note", incident_id=incident, text="上报")
    assert noted.ok and await _visibility(a, noted) == "recusal"
    assert len(marks) == 1  # read once, when the other process's commit had moved the head


async def test_a_mark_counts_for_the_rest_of_its_batch_and_after(writers: tuple[Writer, Writer]) -> None:
    a, _b = writers
    duty, responder = await a.actor("duty"), await a.actor("responder")
    incident = (await a.send(duty, "incident.register", **REGISTER)).result["incident_id"]
    a.batches.clear()
    mark, by_responder, by_duty = await asyncio.gather(
        a.send(duty, "incident.amend", incident_id=incident, about_commission_head=True, reason="r"),
        a.send(responder, "incident.note", incident_id=incident, text="同批"),
        a.send(duty, "incident.note", incident_id=incident, text="同批"),
    )
    assert a.batches == [3]  # one batch: the mark came first in it
    assert mark.ok and by_duty.ok and await _visibility(a, by_duty) == "recusal"
    assert not by_responder.ok and by_responder.error is not None
    assert by_responder.error.code == "incident_not_found"

    later = await a.send(responder, "incident.note", incident_id=incident, text="下一批")
    assert not later.ok and later.error is not None and later.error.code == "incident_not_found"
    registered = await a.send(duty, "incident.register", **REGISTER, about_commission_head=True)
    other = registered.result["incident_id"]
    assert await _visibility(a, registered) == "recusal"
    after = await a.send(responder, "incident.note", incident_id=other, text="登记即回避")
    assert not after.ok and after.error is not None and after.error.code == "incident_not_found"


async def test_a_batch_rolled_back_leaves_no_mark_behind(writers: tuple[Writer, Writer]) -> None:
    a, _b = writers
    duty = await a.actor("duty")
    incident = (await a.send(duty, "incident.register", **REGISTER)).result["incident_id"]

    def head_hash(conn: Any) -> str:
        return str(conn.exec_driver_sql("SELECT hash FROM log_head WHERE id = 1").scalar())

    def marked_then_rolled_back(conn: Any) -> None:
        start = head_hash(conn)
        recusal.batch_started(conn, start)
        recusal.marked(conn, incident)
        assert recusal.is_recused(conn, incident)
        recusal.batch_sealed(conn, start)  # as if it had appended nothing: the log stays at `start`
        raise RuntimeError("the batch fails before its commit")

    with pytest.raises(RuntimeError):
        await a.db.run_write(marked_then_rolled_back)

    def judged_in_a_new_batch(conn: Any) -> bool:
        recusal.batch_started(conn, head_hash(conn))
        return recusal.is_recused(conn, incident)

    assert await a.db.run_write(judged_in_a_new_batch) is False
    # Outside a batch the mark is read from the table, as before.
    assert await a.db.run_write(recusal.is_recused, incident) is False
