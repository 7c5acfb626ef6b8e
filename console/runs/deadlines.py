"""Which runs the timer evaluates, and when: the scheduler's pure core (no database, no event loop).

The scheduler tells it which runs changed (read from the projection by position) and asks what is due
at `now`. A run is evaluated again only when it changed or when `now` reached the instant its last
evaluation named (its next deadline, or at once while one of its actions waits to be fired). A closed
run with nothing left to fire — report obligations due after the close count — is dropped: only a
new record (which raises its row's position) brings it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds

from .decide import Run
from .follow import follow_ticks


@dataclass
class _Tracked:
    run: Run
    position: int
    fresh: bool = True  # changed since it was last evaluated
    wake_at: datetime | None = None  # when to evaluate it again unchanged; None: only on a change


class RunTimers:
    """The runs a process watches, keyed by incident, with the position each was read at."""

    def __init__(self, thresholds: GradingThresholds = DEFAULT_THRESHOLDS) -> None:
        self.thresholds = thresholds
        self._runs: dict[str, _Tracked] = {}
        # Rows whose position is above this are new or changed since they were last read.
        self.high_water = -1
        self.evaluations = 0  # runs evaluated so far (tests and the bench count them)

    def seen(self, run: Run, position: int) -> None:
        """A run read from its row at `position`: new, or changed since it was last read."""
        tracked = self._runs.get(run.incident_id)
        if tracked is None or position != tracked.position:
            self._runs[run.incident_id] = _Tracked(run, position)
        self.high_water = max(self.high_water, position)

    def reset(self) -> None:
        """Forget everything: the next read takes every row again."""
        self._runs.clear()
        self.high_water = -1

    def due(self, now: datetime, *, every: bool = False) -> list[tuple[str, str]]:
        """(incident, key) of every action and follow tick due at `now`, evaluating only the runs that
        need it (a follow tick's key starts with `follow:`, console.runs.follow).

        `every` evaluates all watched runs whatever their next deadline (a clock that can jump).
        """
        found: list[tuple[str, str]] = []
        for incident_id, tracked in list(self._runs.items()):
            waiting = tracked.wake_at is not None and now >= tracked.wake_at
            if not (tracked.fresh or every or waiting):
                continue
            state = tracked.run.state(now, self.thresholds)
            self.evaluations += 1
            keys = [a.key for a in state.actions]
            # Steps the responders' moves complete (console.runs.follow) are due as well.
            keys += [t.key for t in follow_ticks(tracked.run.snapshot, state, tracked.run.field_log)]
            found += [(incident_id, key) for key in keys]
            tracked.fresh = False
            # An action not yet seen fired (refused, or fired by another process whose event has not
            # been read yet) keeps the run due, so the next look tries again.
            tracked.wake_at = now if keys else state.next_deadline
            if tracked.run.closed and not keys and state.next_deadline is None:
                del self._runs[incident_id]
        return found

    @property
    def next_deadline(self) -> datetime | None:
        """The earliest instant a watched run must be evaluated again without a change."""
        return min((t.wake_at for t in self._runs.values() if t.wake_at is not None), default=None)

    @property
    def pending(self) -> bool:
        """Some run changed and was not evaluated since."""
        return any(t.fresh for t in self._runs.values())

    def watched(self) -> frozenset[str]:
        """The incidents whose runs are watched (closed ones with nothing left are not)."""
        return frozenset(self._runs)
