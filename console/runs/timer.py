"""Deadlines fire from the log: each process sleeps until the next due action of any run.

Every action is fired by an internal command whose id is derived from the run and the action's key
(`timer_command_id`), and `decide_fire` refuses an action already fired. So an action fires once
however many processes race for it (the command id is idempotent across the shared log) and once
after a restart (what fell due while the console was down is due at start and fires then).

The work is incremental: the scheduler reads only the run rows whose position rose since its last
read, and `RunTimers` (console.runs.deadlines, pure) evaluates only the runs that changed or whose own
deadline came.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from playbooks.config import thresholds as grading_thresholds
from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds

from ..clock import Clock
from ..commands import CommandEnvelope
from ..db import Database
from ..hub import Hub
from ..service import CommandService
from ..timer_loop import LOOK_SECONDS, TIMER_ACTOR, TimerHost, look_when_due, movable
from .deadlines import RunTimers
from .decide import timer_command_id
from .follow import is_follow_key
from .store import load_runs_since

log = logging.getLogger("console.runs")

LONGEST_SLEEP = 60.0
# A fired wait can open the next step, which can be due at once: look again, this many times at most.
ROUNDS = 20


class Scheduler:
    """Fires the due actions of every run, then sleeps until the next deadline or a new event."""

    def __init__(
        self,
        db: Database,
        service: CommandService,
        clock: Clock,
        hub: Hub,
        thresholds: GradingThresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        self.db = db
        self.service = service
        self.clock = clock
        self.hub = hub
        self.timers = RunTimers(thresholds)
        self.fired = 0

    @property
    def next_deadline(self) -> datetime | None:
        return self.timers.next_deadline

    async def run(self) -> None:
        await look_when_due(
            self.hub,
            name="playbook",
            tick=self.tick,
            due=self._due,
            pause=self._sleep,
            reset=self.timers.reset,
        )

    @property
    def _movable(self) -> bool:
        return movable(self.clock)

    def _due(self) -> bool:
        if self._movable:
            return True
        deadline = self.timers.next_deadline
        return deadline is not None and self.clock.now() >= deadline

    def _sleep(self) -> float:
        deadline = self.timers.next_deadline
        if deadline is None:
            return LOOK_SECONDS
        left = (deadline - self.clock.now()).total_seconds()
        return max(0.01, min(left, LOOK_SECONDS, LONGEST_SLEEP))

    async def tick(self) -> None:
        """Fire everything due now, until nothing more is (a fired wait can open the next step)."""
        for _round in range(ROUNDS):
            await self._read_changes()
            due = self.timers.due(self.clock.now(), every=self._movable)
            if not due:
                return
            results = await asyncio.gather(*(self._fire(incident_id, key) for incident_id, key in due))
            if not any(results):
                return  # all refused: the runs stay due and are looked at again at the next look

    async def _read_changes(self) -> None:
        async with self.db.read.connect() as conn:
            changed = await conn.run_sync(load_runs_since, self.timers.high_water)
        for run, position in changed:
            self.timers.seen(run, position)

    async def _fire(self, incident_id: str, key: str) -> bool:
        if is_follow_key(key):
            # A step the responders' moves complete: one per step, whoever looks first.
            name, args = "run.follow", {"incident_id": incident_id, "step_id": key.split(":", 1)[1]}
        else:
            name, args = "run.fire", {"incident_id": incident_id, "key": key}
        envelope = CommandEnvelope(id=timer_command_id(incident_id, key), name=name, args=args)
        result = await self.service.submit(envelope, TIMER_ACTOR, internal=True)
        if result.ok and not result.duplicate:
            self.fired += 1
            log.info("run_action_fired", extra={"incident": incident_id, "key": key})
        return bool(result.ok)


async def run_timer(host: TimerHost) -> None:
    """The playbook deadlines of this process (a timer of the runs domain)."""
    scheduler = Scheduler(host.db, host.service, host.clock, host.hub, grading_thresholds(host.settings))
    await scheduler.run()
