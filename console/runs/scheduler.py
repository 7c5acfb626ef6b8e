"""Deadlines fire from the log: each process sleeps until the next due action of any run.

Every action is fired by an internal command whose id is derived from the run and the action's key
(`timer_command_id`), and `decide_fire` refuses an action already fired. So an action fires once
however many processes race for it (the command id is idempotent across the shared log) and once
after a restart (what fell due while the console was down is due at start and fires then).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from ..clock import Clock
from ..commands import Actor, CommandEnvelope
from ..db import Database
from ..hub import Hub
from ..roles import Role
from ..service import CommandService
from .domain import Run, timer_command_id
from .store import load_runs

log = logging.getLogger("console.runs")

# The console itself acts as the duty desk when it reminds and escalates.
TIMER_ACTOR = Actor(id="system", name="系统", roles=frozenset({Role.DUTY_OFFICER.value}))
# Runs change only through events, which the hub publishes in every process; looking at the hub's
# position this often costs nothing and bounds how late a new deadline is noticed.
LOOK_SECONDS = 1.0
LONGEST_SLEEP = 60.0


class Scheduler:
    """Fires the due actions of every run, then sleeps until the next deadline or a new event."""

    def __init__(self, db: Database, service: CommandService, clock: Clock, hub: Hub) -> None:
        self.db = db
        self.service = service
        self.clock = clock
        self.hub = hub
        self.next_deadline: datetime | None = None
        self.fired = 0

    async def run(self) -> None:
        seen = -1
        while True:
            try:
                if self.hub.published != seen or self._due():
                    seen = self.hub.published
                    await self.tick()
            except Exception:
                log.exception("timer_tick_failed")
                seen = -1
            await asyncio.sleep(self._sleep())

    def _due(self) -> bool:
        if getattr(self.clock, "movable", False):
            return True
        return self.next_deadline is not None and self.clock.now() >= self.next_deadline

    def _sleep(self) -> float:
        if self.next_deadline is None:
            return LOOK_SECONDS
        left = (self.next_deadline - self.clock.now()).total_seconds()
        return max(0.01, min(left, LOOK_SECONDS, LONGEST_SLEEP))

    async def tick(self) -> None:
        """Fire everything due now, until nothing more is (a fired wait can open the next step)."""
        for _round in range(20):
            async with self.db.read.connect() as conn:
                runs: list[Run] = await conn.run_sync(load_runs)
            now = self.clock.now()
            due: list[tuple[str, str]] = []
            deadlines: list[datetime] = []
            for run in runs:
                state = run.state(now)
                due += [(run.incident_id, a.key) for a in state.actions]
                if state.next_deadline is not None:
                    deadlines.append(state.next_deadline)
            self.next_deadline = min(deadlines, default=None)
            if not due:
                return
            await asyncio.gather(*(self._fire(incident_id, key) for incident_id, key in due))

    async def _fire(self, incident_id: str, key: str) -> None:
        envelope = CommandEnvelope(
            id=timer_command_id(incident_id, key),
            name="run.fire",
            args={"incident_id": incident_id, "key": key},
        )
        result = await self.service.submit(envelope, TIMER_ACTOR, internal=True)
        if result.ok and not result.duplicate:
            self.fired += 1
            log.info("run_action_fired", extra={"incident": incident_id, "key": key})
