"""Roll call deadlines (清点时限): when one passes with people unconfirmed, the lead is told, once.

The flag is an internal command whose id is derived from the roll call (`overdue_command_id`), so
however many processes notice the deadline, and after a restart, the log holds one `rollcall.overdue`
event per roll call (the same idempotency by command id as console.runs.timer's playbook timers).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ..clock import Clock, parse_iso
from ..commands import CommandEnvelope
from ..db import Database
from ..hub import Hub
from ..incidents.tables import incidents
from ..service import CommandService
from ..timer_loop import TIMER_ACTOR, TimerHost, look_when_due, movable
from .tables import rollcall_answers, rollcalls

log = logging.getLogger("console.responders")


def overdue_command_id(rollcall_id: str) -> str:
    """The id of the command that flags one roll call: the same in every process and after a restart."""
    return "rollcall:" + hashlib.sha256(rollcall_id.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class PendingRollcall:
    id: str
    deadline: datetime


def pending_rollcalls(conn: Connection) -> list[PendingRollcall]:
    """Roll calls of open incidents that still wait for someone's answer."""
    counts = select(rollcall_answers.c.rollcall_id, func.count().label("n")).group_by(
        rollcall_answers.c.rollcall_id
    )
    answered: Counter[str] = Counter({r.rollcall_id: r.n for r in conn.execute(counts)})
    rows = conn.execute(
        select(rollcalls.c.id, rollcalls.c.deadline, rollcalls.c.expected)
        .join(incidents, incidents.c.id == rollcalls.c.incident_id)
        .where(incidents.c.status == "open")
    )
    return [
        PendingRollcall(r.id, parse_iso(r.deadline))
        for r in rows
        if answered[r.id] < len([p for p in r.expected.split(",") if p])
    ]


class RollcallTimer:
    """Flags each overdue roll call once, then sleeps until the next deadline or a new event."""

    def __init__(self, db: Database, service: CommandService, clock: Clock, hub: Hub) -> None:
        self.db = db
        self.service = service
        self.clock = clock
        self.hub = hub
        self.done: set[str] = set()  # flagged (or refused) here already: not submitted again
        self.next_deadline: datetime | None = None

    async def run(self) -> None:
        await look_when_due(self.hub, name="rollcall", tick=self.tick, due=self._due)

    def _due(self) -> bool:
        if movable(self.clock):
            return True
        return self.next_deadline is not None and self.clock.now() >= self.next_deadline

    async def tick(self) -> None:
        async with self.db.read.connect() as conn:
            pending = [p for p in await conn.run_sync(pending_rollcalls) if p.id not in self.done]
        now = self.clock.now()
        self.next_deadline = min((p.deadline for p in pending if p.deadline > now), default=None)
        await asyncio.gather(*(self._flag(p.id) for p in pending if p.deadline <= now))

    async def _flag(self, rollcall_id: str) -> None:
        envelope = CommandEnvelope(
            id=overdue_command_id(rollcall_id),
            name="rollcall.flag_overdue",
            args={"rollcall_id": rollcall_id},
        )
        result = await self.service.submit(envelope, TIMER_ACTOR, internal=True)
        if result.ok and not result.duplicate:
            log.info("rollcall_flagged_overdue", extra={"rollcall": rollcall_id})
        if result.ok or (result.error is not None and result.error.status < 500):
            self.done.add(rollcall_id)


async def rollcall_timer(host: TimerHost) -> None:
    """The roll call deadlines of this process (a timer of the responders domain)."""
    await RollcallTimer(host.db, host.service, host.clock, host.hub).run()
