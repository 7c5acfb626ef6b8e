"""Who went where (人员动态): movement records, the movement board and the ICS-214 activity log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from responders.organisation import Frozen, Id, Name, Place
from responders.status import Move, ResponderStatus
from responders.text import LabelledEnum, Text

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class MovementKind(LabelledEnum):
    """What happened to a person at an incident."""

    DISPATCHED = "dispatched"
    ACKNOWLEDGED = "acknowledged"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    MOVED = "moved"
    CLEARED = "cleared"
    RELEASED = "released"

    @classmethod
    def labels(cls) -> dict[MovementKind, Text]:
        """Bilingual label of every movement kind."""
        return _KIND_LABELS

    @property
    def move(self) -> Move:
        """The status-machine move this record reports."""
        return _MOVES[self]

    @property
    def status(self) -> ResponderStatus:
        """The assignment status once this has happened."""
        return _STATUSES[self]

    @property
    def place_is_destination(self) -> bool:
        """True when `place_id` names where the person is going rather than where they are."""
        return self in (MovementKind.DISPATCHED, MovementKind.EN_ROUTE)

    @property
    def decided_by_dispatcher(self) -> bool:
        """True for dispatched and released: the duty officer's decision, not the responder's report."""
        return self in (MovementKind.DISPATCHED, MovementKind.RELEASED)

    @property
    def ends_assignment(self) -> bool:
        """True for cleared and released."""
        return self in (MovementKind.CLEARED, MovementKind.RELEASED)


_K, _S = MovementKind, ResponderStatus
_KIND_LABELS = {
    _K.DISPATCHED: Text("派遣", "Dispatched"),
    _K.ACKNOWLEDGED: Text("确认接收", "Acknowledged"),
    _K.EN_ROUTE: Text("出发", "En route"),
    _K.ON_SCENE: Text("到达现场", "On scene"),
    _K.MOVED: Text("转移地点", "Moved"),
    _K.CLEARED: Text("撤离", "Cleared"),
    _K.RELEASED: Text("解除派遣", "Released"),
}
_MOVES = {
    _K.DISPATCHED: Move.DISPATCH,
    _K.ACKNOWLEDGED: Move.ACKNOWLEDGE,
    _K.EN_ROUTE: Move.DEPART,
    _K.ON_SCENE: Move.ARRIVE,
    _K.MOVED: Move.MOVE_TO,
    _K.CLEARED: Move.CLEAR,
    _K.RELEASED: Move.RELEASE,
}
_STATUSES = {
    _K.DISPATCHED: _S.DISPATCHED,
    _K.ACKNOWLEDGED: _S.ACKNOWLEDGED,
    _K.EN_ROUTE: _S.EN_ROUTE,
    _K.ON_SCENE: _S.ON_SCENE,
    _K.MOVED: _S.ON_SCENE,
    _K.CLEARED: _S.CLEARED,
    _K.RELEASED: _S.CLEARED,
}


class MovementRecord(Frozen):
    """One move of one person at one incident, as the event log holds it; the actor may be someone else."""

    person_id: Id
    incident_id: Id
    kind: MovementKind
    actor_id: Id
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime
    place_id: Id | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    assignment_role: Name | None = None
    note: Note | None = None
    record_id: Id | None = None

    @model_validator(mode="after")
    def _moved_names_place(self) -> Self:
        if self.kind is MovementKind.MOVED and self.place_id is None:
            raise ValueError("a move to another place names that place")
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together: give both or neither")
        return self

    @property
    def on_behalf(self) -> bool:
        """True when someone else recorded the person's own move (代为登记); a dispatch is never one."""
        return self.actor_id != self.person_id and not self.kind.decided_by_dispatcher


def ordered(records: Iterable[MovementRecord]) -> list[MovementRecord]:
    """Records in the order things happened; a late entry (补录) lands where it occurred, not where typed."""
    return sorted(records, key=lambda r: (r.occurred_at, r.recorded_at))


def movement_log(records: Iterable[MovementRecord], incident_id: str) -> list[MovementRecord]:
    """The full movement log of one incident, in order."""
    return ordered(r for r in records if r.incident_id == incident_id)


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One person's line on an incident's movement board (动态看板)."""

    person_id: str
    incident_id: str
    status: ResponderStatus
    place_id: str | None
    destination_id: str | None
    assignment_role: str | None
    dispatched_at: datetime | None
    since: datetime
    age: timedelta
    is_open: bool


@dataclass(slots=True)
class _Line:
    status: ResponderStatus
    place_id: str | None
    destination_id: str | None
    assignment_role: str | None
    dispatched_at: datetime | None
    since: datetime


def _fold(line: _Line | None, r: MovementRecord) -> _Line:
    # Tolerant on purpose: the log was checked when written, and a board must still show a late or odd entry.
    if line is None or r.kind is MovementKind.DISPATCHED:
        dispatched_at = r.occurred_at if r.kind is MovementKind.DISPATCHED else None
        line = _Line(r.kind.status, None, None, r.assignment_role, dispatched_at, r.occurred_at)
    line.status, line.since = r.kind.status, r.occurred_at
    if r.kind.place_is_destination:
        line.destination_id = r.place_id or line.destination_id
    elif r.kind in (MovementKind.ON_SCENE, MovementKind.MOVED):
        line.place_id = r.place_id or line.destination_id
    elif r.place_id is not None:
        line.place_id = r.place_id
    return line


def _lines(records: Iterable[MovementRecord], incident_id: str) -> dict[str, _Line]:
    lines: dict[str, _Line] = {}
    for r in movement_log(records, incident_id):
        lines[r.person_id] = _fold(lines.get(r.person_id), r)
    return lines


def movement_board(records: Iterable[MovementRecord], incident_id: str, now: datetime) -> list[BoardRow]:
    """Who is where now at one incident, most engaged first; cleared people stay listed as closed."""
    rows = [
        BoardRow(
            person_id=pid,
            incident_id=incident_id,
            status=line.status,
            place_id=line.place_id,
            destination_id=line.destination_id,
            assignment_role=line.assignment_role,
            dispatched_at=line.dispatched_at,
            since=line.since,
            age=now - line.since,
            is_open=line.status is not ResponderStatus.CLEARED,
        )
        for pid, line in _lines(records, incident_id).items()
    ]
    return sorted(rows, key=lambda row: (_BOARD_ORDER.index(row.status), row.person_id))


_BOARD_ORDER = (_S.ON_SCENE, _S.EN_ROUTE, _S.ACKNOWLEDGED, _S.DISPATCHED, _S.CLEARED)


def unacknowledged(records: Iterable[MovementRecord], incident_id: str, now: datetime) -> list[BoardRow]:
    """Dispatches nobody has acknowledged yet, oldest first; `age` counts from the dispatch."""
    rows = [r for r in movement_board(records, incident_id, now) if r.status is ResponderStatus.DISPATCHED]
    stamped = [replace(r, age=now - (r.dispatched_at or r.since)) for r in rows]
    return sorted(stamped, key=lambda r: r.age, reverse=True)


def assigned_people(records: Iterable[MovementRecord], incident_id: str) -> list[str]:
    """People with an open assignment at the incident (for a roll call)."""
    lines = _lines(records, incident_id)
    return sorted(pid for pid, line in lines.items() if line.status is not ResponderStatus.CLEARED)


def last_known_places(records: Iterable[MovementRecord]) -> dict[str, str]:
    """Each person's latest reported place, ignoring destinations they had not reached."""
    found: dict[str, str] = {}
    for r in ordered(records):
        if r.place_id is not None and not r.kind.place_is_destination:
            found[r.person_id] = r.place_id
    return found


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    """One line of an ICS-214 activity log (活动记录): time, place, activity, and who recorded it."""

    time: datetime
    person_id: str
    incident_id: str
    kind: MovementKind
    place_id: str | None
    place_name: str | None
    activity: Text
    actor_id: str
    recorded_at: datetime
    on_behalf: bool


def activity_log(
    records: Iterable[MovementRecord],
    person_id: str,
    *,
    start: datetime,
    end: datetime,
    places: Mapping[str, Place] | None = None,
) -> list[ActivityEntry]:
    """A person's activity log for [start, end), across every incident, in time order."""
    named = places or {}
    entries: list[ActivityEntry] = []
    for r in ordered(r for r in records if r.person_id == person_id and start <= r.occurred_at < end):
        place = named.get(r.place_id) if r.place_id is not None else None
        place_name = place.name if place is not None else r.place_id
        entries.append(
            ActivityEntry(
                time=r.occurred_at,
                person_id=r.person_id,
                incident_id=r.incident_id,
                kind=r.kind,
                place_id=r.place_id,
                place_name=place_name,
                activity=_activity(r, place_name),
                actor_id=r.actor_id,
                recorded_at=r.recorded_at,
                on_behalf=r.on_behalf,
            )
        )
    return entries


def _activity(r: MovementRecord, place: str | None) -> Text:
    at_zh, at_en = (f"（{place}）", f" ({place})") if place else ("", "")
    texts = {
        _K.DISPATCHED: Text(
            f"受派参与事件 {r.incident_id} 处置{at_zh}", f"dispatched to incident {r.incident_id}{at_en}"
        ),
        _K.ACKNOWLEDGED: Text("确认接收派遣", "acknowledged the dispatch"),
        _K.EN_ROUTE: Text(f"出发前往现场{at_zh}", f"en route{at_en}"),
        _K.ON_SCENE: Text(f"到达现场{at_zh}", f"arrived on scene{at_en}"),
        _K.MOVED: Text(f"转移至{place}", f"moved to {place}"),
        _K.CLEARED: Text("处置完毕，撤离现场", "cleared the scene"),
        _K.RELEASED: Text("解除派遣", "released from the assignment"),
    }
    text = texts[r.kind]
    if r.assignment_role:
        text = Text(f"{text.zh}，任务：{r.assignment_role}", f"{text.en}, as {r.assignment_role}")
    if r.note:
        text = Text(f"{text.zh}。{r.note}", f"{text.en}. {r.note}")
    if r.on_behalf:
        text = Text(f"{text.zh}（由 {r.actor_id} 代为登记）", f"{text.en} (recorded by {r.actor_id})")
    elif r.kind.decided_by_dispatcher and r.actor_id != r.person_id:
        text = Text(f"{text.zh}（{r.actor_id} 下达）", f"{text.en} (by {r.actor_id})")
    return text
