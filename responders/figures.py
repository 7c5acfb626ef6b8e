"""Response figures (响应时效) per assignment, and when the leaders arrived (领导到位情况)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from responders.movement import MovementKind, MovementRecord, ordered
from responders.organisation import Person, Role

LEADER_ROLES = frozenset({Role.LEADER_IN_CHARGE, Role.COMMISSION_LEADER})


@dataclass(frozen=True, slots=True)
class AssignmentFigures:
    """Timings of one assignment; `number` counts dispatches of the same person to the same incident."""

    person_id: str
    incident_id: str
    number: int
    dispatched_at: datetime | None
    acknowledged_at: datetime | None
    en_route_at: datetime | None
    arrived_at: datetime | None
    ended_at: datetime | None
    ended_by: MovementKind | None
    time_to_acknowledge: timedelta | None
    time_to_arrive: timedelta | None
    time_on_scene: timedelta | None
    on_scene_now: bool


@dataclass(slots=True)
class _Tally:
    number: int
    dispatched_at: datetime | None = None
    acknowledged_at: datetime | None = None
    en_route_at: datetime | None = None
    arrived_at: datetime | None = None
    ended_at: datetime | None = None
    ended_by: MovementKind | None = None

    def note(self, r: MovementRecord) -> None:
        # The first time counts: a second "on scene" after a move is not a second arrival.
        t = r.occurred_at
        if r.kind is MovementKind.DISPATCHED:
            self.dispatched_at = self.dispatched_at or t
        elif r.kind is MovementKind.ACKNOWLEDGED:
            self.acknowledged_at = self.acknowledged_at or t
        elif r.kind is MovementKind.EN_ROUTE:
            self.en_route_at = self.en_route_at or t
        elif r.kind in (MovementKind.ON_SCENE, MovementKind.MOVED):
            self.arrived_at = self.arrived_at or t
        elif r.kind.ends_assignment:
            self.ended_at, self.ended_by = t, r.kind


def _span(start: datetime | None, end: datetime | None) -> timedelta | None:
    return end - start if start is not None and end is not None else None


def response_figures(
    records: Iterable[MovementRecord],
    *,
    incident_id: str | None = None,
    now: datetime | None = None,
) -> list[AssignmentFigures]:
    """Time to acknowledge, to arrive and on scene per assignment; an open stay on scene counts to `now`."""
    tallies: list[tuple[str, str, _Tally]] = []
    current: dict[tuple[str, str], _Tally] = {}
    counts: dict[tuple[str, str], int] = {}
    for r in ordered(records):
        if incident_id is not None and r.incident_id != incident_id:
            continue
        key = (r.person_id, r.incident_id)
        tally = current.get(key)
        if tally is None or (r.kind is MovementKind.DISPATCHED and tally.dispatched_at is not None):
            counts[key] = counts.get(key, 0) + 1
            tally = current[key] = _Tally(counts[key])
            tallies.append((*key, tally))
        tally.note(r)
        if r.kind.ends_assignment:
            del current[key]
    return [_figures(person, incident, t, now) for person, incident, t in tallies]


def _figures(person_id: str, incident_id: str, t: _Tally, now: datetime | None) -> AssignmentFigures:
    on_scene_now = t.arrived_at is not None and t.ended_at is None
    scene_end = t.ended_at if t.ended_at is not None else (now if on_scene_now else None)
    return AssignmentFigures(
        person_id=person_id,
        incident_id=incident_id,
        number=t.number,
        dispatched_at=t.dispatched_at,
        acknowledged_at=t.acknowledged_at,
        en_route_at=t.en_route_at,
        arrived_at=t.arrived_at,
        ended_at=t.ended_at,
        ended_by=t.ended_by,
        time_to_acknowledge=_span(t.dispatched_at, t.acknowledged_at),
        time_to_arrive=_span(t.dispatched_at, t.arrived_at),
        time_on_scene=_span(t.arrived_at, scene_end),
        on_scene_now=on_scene_now,
    )


@dataclass(frozen=True, slots=True)
class LeaderArrival:
    """A leader's first arrival at an incident; `after_open` counts from when the incident was opened."""

    person_id: str
    incident_id: str
    arrived_at: datetime
    place_id: str | None
    dispatched_at: datetime | None
    after_open: timedelta | None


def leader_ids(people: Iterable[Person], roles: Collection[Role] = LEADER_ROLES) -> set[str]:
    """Ids of people who count as leaders for 领导到位情况 (by default 分管领导 and 委领导)."""
    return {p.id for p in people if p.roles & set(roles)}


def leader_arrivals(
    records: Iterable[MovementRecord],
    *,
    incident_id: str,
    leaders: Collection[str],
    opened_at: datetime | None = None,
) -> list[LeaderArrival]:
    """Each leader's first arrival at the incident, earliest first; empty means no leader has arrived."""
    dispatched: dict[str, datetime] = {}
    arrived: dict[str, LeaderArrival] = {}
    for r in ordered(records):
        if r.incident_id != incident_id or r.person_id not in leaders or r.person_id in arrived:
            continue
        if r.kind is MovementKind.DISPATCHED:
            dispatched.setdefault(r.person_id, r.occurred_at)
        elif r.kind in (MovementKind.ON_SCENE, MovementKind.MOVED):
            arrived[r.person_id] = LeaderArrival(
                person_id=r.person_id,
                incident_id=incident_id,
                arrived_at=r.occurred_at,
                place_id=r.place_id,
                dispatched_at=dispatched.get(r.person_id),
                after_open=_span(opened_at, r.occurred_at),
            )
    return sorted(arrived.values(), key=lambda a: (a.arrived_at, a.person_id))
