"""回放: the incident as it stood at an instant, in two modes.

- `Mode.KNOWN` (按登记时间): only what the console had recorded by then (`recorded_at` ≤ the instant).
- `Mode.HAPPENED` (按发生时间): everything now known to have happened by then (`occurred_at` ≤ the instant),
  including facts reported later; each of those says how late it came in and whether it was known then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from playbooks.engine import evaluate
from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds, IncidentFacts
from playbooks.history import DecisionRecorded, HistoryRecord, StepCompleted, StepSkipped

from .log import IncidentRecord, LoggedEvent, Recorder, fold, instant

# Reported this long after it happened, a fact counts as late-reported (迟报); tablet clocks differ a little.
LATE_AFTER = timedelta(minutes=1)


class Mode(StrEnum):
    KNOWN = "known"  # what was known then (recorded_at)
    HAPPENED = "happened"  # what we now know happened then (occurred_at)


@dataclass(frozen=True)
class Lateness:
    """How late a fact was reported, and whether the console knew it at the replayed instant."""

    occurred_at: datetime
    recorded_at: datetime
    late_by: timedelta
    known_then: bool
    position: int


@dataclass(frozen=True)
class StepView:
    step_id: str
    role: str
    status: str
    due_at: datetime | None
    resolved_at: datetime | None
    late_report: Lateness | None = None


@dataclass(frozen=True)
class PersonView:
    person_id: str
    name: str
    status: str
    place_id: str | None
    role: str | None
    since: datetime
    late_report: Lateness | None = None


@dataclass(frozen=True)
class ReplayState:
    at: datetime
    mode: Mode
    number: str
    facts: IncidentFacts | None
    level: str | None
    closed: bool
    steps: tuple[StepView, ...]
    people: tuple[PersonView, ...]
    late_reports: tuple[Lateness, ...]  # every late-reported fact included at this instant
    last_position: int  # the latest event included (the step-by-event buttons move by these)
    event_count: int  # how many of the events were included


def _lateness(occurred: datetime, by: Recorder, at: datetime) -> Lateness | None:
    late = by.recorded_at - occurred
    if late <= LATE_AFTER:
        return None
    return Lateness(occurred, by.recorded_at, late, by.recorded_at <= at, by.position)


def _included(event: LoggedEvent, at: datetime, mode: Mode) -> bool:
    stamp = event.recorded_at if mode is Mode.KNOWN else event.occurred_at
    return instant(stamp) <= at


def _resolutions(record: IncidentRecord) -> dict[str, tuple[HistoryRecord, Recorder]]:
    found: dict[str, tuple[HistoryRecord, Recorder]] = {}
    for r, by in zip(record.history, record.recorders, strict=True):
        if isinstance(r, StepCompleted | StepSkipped | DecisionRecorded):
            if r.step_id not in found or r.at < found[r.step_id][0].at:
                found[r.step_id] = (r, by)
    return found


def replay(
    incident_id: str,
    events: Iterable[LoggedEvent],
    at: datetime,
    mode: Mode,
    *,
    thresholds: GradingThresholds = DEFAULT_THRESHOLDS,
) -> ReplayState:
    """The incident at `at` in `mode`, from all its events (and the organisation's)."""
    chosen: Sequence[LoggedEvent] = [e for e in events if _included(e, at, mode)]
    record = fold(incident_id, chosen)
    steps: list[StepView] = []
    facts, level, closed = record.facts, None, False
    late: list[Lateness] = []
    if record.snapshot is not None and record.facts is not None and record.history[0].at <= at:
        history = [r for r in record.history if r.at <= at]
        state = evaluate(record.snapshot, record.facts, history, at, thresholds)
        facts, level, closed = state.facts, state.level.value, state.closed_at is not None
        resolved = _resolutions(record)
        for s in state.steps:
            found = resolved.get(s.step_id)
            lateness = _lateness(found[0].at, found[1], at) if found and s.resolved_at else None
            steps.append(StepView(s.step_id, s.role.value, s.status.value, s.due_at, s.resolved_at, lateness))
        for r, by in zip(record.history, record.recorders, strict=True):
            if r.at <= at and (lateness := _lateness(r.at, by, at)) is not None:
                late.append(lateness)
    people: dict[str, PersonView] = {}
    for m in sorted(record.moves, key=lambda m: (m.occurred_at, m.position)):
        if m.occurred_at > at:
            continue
        lateness = _lateness(m.occurred_at, m.by, at)
        if lateness is not None:
            late.append(lateness)
        previous = people.get(m.person_id)
        role = m.role if m.move == "dispatch" else (previous.role if previous else None)
        place = m.place_id if m.place_id is not None else (previous.place_id if previous else None)
        people[m.person_id] = PersonView(
            m.person_id, record.person_name(m.person_id), m.status, place, role, m.occurred_at, lateness
        )
    return ReplayState(
        at=at,
        mode=mode,
        number=record.number,
        facts=facts,
        level=level,
        closed=closed,
        steps=tuple(steps),
        people=tuple(people[p] for p in sorted(people)),
        late_reports=tuple(sorted(late, key=lambda x: x.position)),
        last_position=max((e.position for e in chosen), default=0),
        event_count=len(chosen),
    )
