"""What the review cores read: logged events as plain data, folded into the incident's record."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from playbooks.facts import IncidentFacts
from playbooks.facts import IncidentType as PlaybookType
from playbooks.history import HISTORY, FactsChanged, HistoryRecord, RunActivated, RunClosed
from playbooks.model import PlaybookSnapshot
from responders.organisation import Person
from responders.roster import Roster, RosterChange, Shift

# The run events whose payload carries one history record (console.runs.events.RECORD_EVENTS).
RECORD_TYPES = frozenset(
    {
        "run.step_completed",
        "run.step_skipped",
        "run.decision_recorded",
        "run.level_overridden",
        "run.facts_changed",
        "run.report_filed",
        "run.action_fired",
    }
)


class LoggedEvent(Protocol):
    """An event as the log holds it (console.events.RecordedEvent has these fields)."""

    @property
    def position(self) -> int: ...
    @property
    def stream(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def actor_id(self) -> str: ...
    @property
    def actor_name(self) -> str: ...
    @property
    def occurred_at(self) -> str: ...
    @property
    def recorded_at(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


def instant(text: str) -> datetime:
    """A stored ISO instant (UTC, "Z" or "+00:00")."""
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Recorder:
    """Who recorded something: the console user who sent the command, and the event it is in."""

    id: str
    name: str
    position: int
    recorded_at: datetime


@dataclass(frozen=True)
class Move:
    """One responder move at the incident."""

    position: int
    person_id: str
    move: str  # responders.status.Move value
    status: str  # the assignment's status after it
    occurred_at: datetime
    recorded_at: datetime
    place_id: str | None
    role: str | None
    on_behalf: bool
    by: Recorder


@dataclass(frozen=True)
class Rollcall:
    rollcall_id: str
    started_at: datetime
    deadline: datetime
    expected: tuple[str, ...]
    by: Recorder


@dataclass(frozen=True)
class Confirmation:
    rollcall_id: str
    person_id: str
    occurred_at: datetime
    on_behalf: bool
    by: Recorder


@dataclass
class IncidentRecord:
    """One incident as its events tell it, up to the events read (nothing is computed here)."""

    incident_id: str
    number: str = ""
    drill: bool = False
    registered_at: datetime | None = None
    closed_at: datetime | None = None  # when the console learned it was closed (结案)
    snapshot: PlaybookSnapshot | None = None
    facts: IncidentFacts | None = None  # at activation
    history: list[HistoryRecord] = field(default_factory=list)
    recorders: list[Recorder] = field(default_factory=list)  # one per history record
    moves: list[Move] = field(default_factory=list)
    rollcalls: list[Rollcall] = field(default_factory=list)
    confirmations: list[Confirmation] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)
    shifts: dict[str, Shift] = field(default_factory=dict)
    roster_changes: list[RosterChange] = field(default_factory=list)

    @property
    def roster(self) -> Roster:
        shifts = tuple(sorted(self.shifts.values(), key=lambda s: (s.start, s.id)))
        return Roster(shifts=shifts, changes=tuple(self.roster_changes))

    def person_name(self, person_id: str | None) -> str:
        if person_id is None:
            return ""
        person = self.people.get(person_id)
        return person.name if person is not None else person_id


def response_end(record: IncidentRecord, now: datetime) -> datetime:
    """Where the response ends for the review (复盘截止): when the incident closed, if it had by `now`;
    else `now`. What the console's timers do after closing (reminders, escalations, retries) is no part
    of the response, and a duty left undone counts up to the close, not for ever after."""
    if record.closed_at is not None and record.closed_at <= now:
        return record.closed_at
    return now


# The console's own actor (console.commands.SYSTEM_ACTOR, console.timer_loop.TIMER_ACTOR).
SYSTEM_ACTOR = "system"


def covered(incident_id: str, events: Iterable[LoggedEvent]) -> list[LoggedEvent]:
    """The incident's own events the review's range covers, in position order: every event naming the
    incident, except the review's own (findings are about the incident, not of it) and what the
    console's timers and workers did after it closed (a reminder firing a month later is no part of
    the response and must not stretch the range)."""
    ordered = sorted(events, key=lambda e: e.position)
    closed: datetime | None = None
    for e in ordered:
        if e.type == "incident.closed" and e.data.get("incident_id") == incident_id:
            closed = instant(e.recorded_at)
    return [
        e
        for e in ordered
        if e.data.get("incident_id") == incident_id
        and not e.stream.startswith("review-")
        and not (closed is not None and e.actor_id == SYSTEM_ACTOR and instant(e.recorded_at) > closed)
    ]


def review_end(incident_id: str, events: Iterable[LoggedEvent], now: datetime) -> datetime:
    """The end of the range the review covers (回放、时间轴): `now` while the incident is open; once it
    closed, the latest instant of what the review covers (the close, or a person's later entry such as
    a 终报 sent or a move recorded afterwards), never the console's timers after it."""
    mine = covered(incident_id, events)
    closed = [instant(e.recorded_at) for e in mine if e.type == "incident.closed"]
    if not closed or closed[-1] > now:
        return now
    stamps = [instant(t) for e in mine for t in (e.recorded_at, e.occurred_at)]
    return min(max(stamps), now)


def _recorder(event: LoggedEvent) -> Recorder:
    return Recorder(event.actor_id, event.actor_name, event.position, instant(event.recorded_at))


def _activation_facts(data: Mapping[str, Any], snapshot: PlaybookSnapshot) -> IncidentFacts:
    """The run's facts at activation, as console.runs.store builds them from the registration."""
    kind = data["incident_type"]
    grading = dict(data.get("facts") or {})
    served = snapshot.playbook.serves
    return IncidentFacts(
        incident_type=PlaybookType(kind) if kind in PlaybookType.__members__.values() else served[0],
        head_count=data["head_count"],
        **grading,
    )


def _facts_at(record: IncidentRecord) -> IncidentFacts | None:
    facts = record.facts
    for r in record.history:
        if isinstance(r, FactsChanged):
            facts = r.facts
    return facts


def fold(incident_id: str, events: Iterable[LoggedEvent]) -> IncidentRecord:
    """The incident's record from its events and the organisation's (in position order)."""
    record = IncidentRecord(incident_id=incident_id)
    for event in sorted(events, key=lambda e: e.position):
        data = event.data
        kind = event.type
        if kind == "org.imported":
            for p in data.get("people") or ():
                person = Person.model_validate(p)
                record.people[person.id] = person
            for s in data.get("shifts") or ():
                shift = Shift.model_validate(s)
                record.shifts[shift.id] = shift
            continue
        if kind == "roster.changed":
            record.roster_changes.append(RosterChange.model_validate(data["change"]))
            continue
        if data.get("incident_id") != incident_id:
            continue
        by = _recorder(event)
        if kind == "incident.registered":
            record.number = str(data.get("number", ""))
            record.drill = bool(data.get("drill"))
            record.registered_at = instant(event.recorded_at)
            if data.get("playbook"):
                record.snapshot = PlaybookSnapshot.model_validate(data["playbook"])
                record.facts = _activation_facts(data, record.snapshot)
                # Deadlines count from when the console learned of the incident (console.runs.store).
                record.history.append(RunActivated(at=record.registered_at))
                record.recorders.append(by)
        elif kind in RECORD_TYPES and record.snapshot is not None:
            record.history.append(HISTORY.validate_python(data["record"]))
            record.recorders.append(by)
        elif kind == "incident.facts_amended" and record.snapshot is not None:
            changes = data.get("changes") or {}
            current = _facts_at(record)
            if "head_count" in changes and current is not None:
                facts = current.model_copy(update={"head_count": int(changes["head_count"])})
                at = instant(event.recorded_at)
                record.history.append(FactsChanged(at=at, facts=facts, note=str(data.get("reason", ""))))
                record.recorders.append(by)
        elif kind == "incident.closed":
            record.closed_at = instant(event.recorded_at)
            if record.snapshot is not None:
                record.history.append(RunClosed(at=record.closed_at, note=str(data.get("summary", ""))))
                record.recorders.append(by)
        elif kind == "responder.moved":
            record.moves.append(
                Move(
                    position=event.position,
                    person_id=data["person_id"],
                    move=data["move"],
                    status=data["status"],
                    occurred_at=instant(event.occurred_at),
                    recorded_at=by.recorded_at,
                    place_id=data.get("place_id"),
                    role=data.get("role"),
                    on_behalf=bool(data.get("on_behalf")),
                    by=by,
                )
            )
        elif kind == "rollcall.started":
            record.rollcalls.append(
                Rollcall(
                    rollcall_id=data["rollcall_id"],
                    started_at=instant(event.occurred_at),
                    deadline=instant(data["deadline"]),
                    expected=tuple(data["expected"]),
                    by=by,
                )
            )
        elif kind == "rollcall.confirmed":
            record.confirmations.append(
                Confirmation(
                    rollcall_id=data["rollcall_id"],
                    person_id=data["person_id"],
                    occurred_at=instant(event.occurred_at),
                    on_behalf=bool(data.get("on_behalf")),
                    by=by,
                )
            )
    return record
