"""Dispatch recommendations (派遣建议): whom to send, nearest first, and why."""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

from responders.organisation import Person, Place, Role, Skill
from responders.roster import Post, Roster, holders_running
from responders.status import ASSIGNED, FREE, PersonState, ResponderStatus
from responders.text import Text

EARTH_RADIUS_KM = 6371.0088


class ReasonCode(StrEnum):
    """Why a person was recommended; the console shows the text, tests and reports use the code."""

    ON_DUTY = "on_duty"
    LEADER_ON_DUTY = "leader_on_duty"
    HAS_ROLE = "has_role"
    HAS_SKILL = "has_skill"
    AVAILABLE = "available"
    CLEARED = "cleared"
    STATUS_ASSUMED = "status_assumed"
    OTHER_ASSIGNMENTS = "other_assignments"
    AT_PLACE = "at_place"
    DISTANCE = "distance"
    SAME_UNIT = "same_unit"
    LOCATION_UNKNOWN = "location_unknown"
    DESK_DUTY = "desk_duty"
    NOT_ON_SHIFT = "not_on_shift"


class Tier(IntEnum):
    """Who is really free comes first; lower ranks first (the rest are still offered, with why)."""

    FREE = 0
    AT_THE_DESK = 1  # 值班员 on the desk: sending them leaves the phones unanswered
    BUSY = 2  # on scene or sent elsewhere: not free, whatever their shift says
    OFF_SHIFT = 3  # not on the roster now: to be called in


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason for a recommendation."""

    code: ReasonCode
    text: Text


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A person worth sending, with their rank (1 = best) and the reasons."""

    rank: int
    person_id: str
    name: str
    unit_id: str
    status: ResponderStatus
    place_id: str | None
    distance_km: float | None
    open_assignments: int
    reasons: tuple[Reason, ...]

    @property
    def codes(self) -> tuple[ReasonCode, ...]:
        """The reason codes alone."""
        return tuple(r.code for r in self.reasons)


class Proximity(IntEnum):
    """How well the distance is known; lower ranks first."""

    MEASURED = 0
    SAME_UNIT = 1
    UNKNOWN = 2


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in kilometres between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distances_from(places: Mapping[str, Place], origin_id: str) -> dict[str, float]:
    """Kilometres from one place to every place with a position (computed once per recommendation)."""
    origin = places[origin_id].position
    if origin is None:
        return {origin_id: 0.0}
    return {pid: haversine_km(origin, pos) for pid, p in places.items() if (pos := p.position) is not None}


def from_states(
    states: Iterable[PersonState],
) -> tuple[dict[str, ResponderStatus], dict[str, tuple[str, ...]]]:
    """The `statuses` and `assignments` maps `recommend` takes, read off person states."""
    listed = list(states)
    statuses = {s.person_id: s.status for s in listed}
    assignments = {s.person_id: tuple(a.incident_id for a in s.assignments) for s in listed}
    return statuses, assignments


# The sort key (tier, open assignments, proximity, km or 0, person id, order given), then what the
# reasons need (person, status, no status recorded, place id, km). The order given is unique, so two
# entries never compare past it.
_Ranked = tuple[
    "Tier", int, "Proximity", float, str, int, Person, ResponderStatus, bool, "str | None", "float | None"
]


@dataclass(frozen=True, slots=True)
class _Candidate:
    person: Person
    status: ResponderStatus
    assumed: bool
    open_count: int
    place_id: str | None
    proximity: Proximity
    distance_km: float | None
    tier: Tier = Tier.FREE


def recommend(
    *,
    people: Iterable[Person],
    statuses: Mapping[str, ResponderStatus],
    assignments: Mapping[str, Collection[str]],
    roster: Roster,
    places: Mapping[str, Place],
    incident_place: str,
    now: datetime,
    need_role: Role | None = None,
    need_skill: Skill | None = None,
    limit: int = 5,
    locations: Mapping[str, str] | None = None,
    incident_id: str | None = None,
    max_assignments: int = 1,
    everyone: bool = False,
) -> list[Recommendation]:
    """Rank who to send to `incident_place`: on duty, right role/skill, free, not over-assigned, nearest.

    The duty officer on the desk ranks after everyone free. With `everyone`, people who are not on
    shift, or who already hold `max_assignments` (on scene elsewhere, leading another incident), are
    offered too, after those who are free, each with the reason; refused statuses (unavailable, signed
    off) and people already on this incident are never offered.
    """
    if incident_place not in places:
        raise ValueError(f"unknown incident place {incident_place!r}")
    origin = places[incident_place]
    distances = distances_from(places, incident_place)
    shifts_now = holders_running(roster, now)
    on_duty = {holder for _, holder in shifts_now}
    leaders = {holder for shift, holder in shifts_now if shift.post is Post.LEADER_ON_DUTY}
    desk = {holder for shift, holder in shifts_now if shift.post is Post.DUTY_OFFICER}
    where = locations or {}
    # Ranked as plain tuples, the sort key first: thousands of people pass the filters and only `limit`
    # of them become candidates with reasons, so the loop does no more than look up and compare.
    ranked: list[_Ranked] = []
    add = ranked.append
    status_of, held_by, located, distance_to = statuses.get, assignments.get, where.get, distances.get
    available, origin_id, measured = ResponderStatus.AVAILABLE, origin.id, Proximity.MEASURED
    free, at_the_desk, busy, off_shift = Tier.FREE, Tier.AT_THE_DESK, Tier.BUSY, Tier.OFF_SHIFT
    for order, person in enumerate(people):
        pid = person.id
        shift = pid in on_duty
        if not shift and not everyone:
            continue
        if (need_role is not None and need_role not in person.roles) or (
            need_skill is not None and need_skill not in person.skills
        ):
            continue
        held = held_by(pid, ())
        if incident_id is not None and incident_id in held:
            continue
        # No recorded status: the roster is how this office signs people on, so a running shift = available.
        recorded = status_of(pid)
        status = available if recorded is None else recorded
        if status not in FREE and not (status in ASSIGNED and held):
            continue
        count = len(held)
        if count >= max_assignments and not everyone:
            continue
        if not shift:
            tier = off_shift
        elif held:
            tier = busy
        elif pid in desk:
            tier = at_the_desk
        else:
            tier = free
        place_id = located(pid, person.base_place_id)
        km: float | None
        if place_id == origin_id:
            proximity, km = measured, 0.0
        elif place_id is not None and (km := distance_to(place_id)) is not None:
            proximity = measured
        else:
            proximity, km = _proximity(person, place_id, origin, places, distances)
        add((tier, count, proximity, km or 0.0, pid, order, person, status, recorded is None, place_id, km))
    best = [_candidate(entry) for entry in heapq.nsmallest(limit, ranked)]
    return [
        Recommendation(
            rank=i,
            person_id=c.person.id,
            name=c.person.name,
            unit_id=c.person.unit_id,
            status=c.status,
            place_id=c.place_id,
            distance_km=c.distance_km,
            open_assignments=c.open_count,
            reasons=_reasons(c, origin, places, need_role, need_skill, c.person.id in leaders),
        )
        for i, c in enumerate(best, start=1)
    ]


def _candidate(entry: _Ranked) -> _Candidate:
    tier, count, proximity, _, _, _, person, status, assumed, place_id, km = entry
    if assumed and tier is Tier.OFF_SHIFT:
        status = ResponderStatus.OFF_DUTY  # shown as 不在岗: not on shift and no status of their own
    return _Candidate(person, status, assumed, count, place_id, proximity, km, tier)


def _proximity(
    person: Person,
    place_id: str | None,
    origin: Place,
    places: Mapping[str, Place],
    distances: Mapping[str, float],
) -> tuple[Proximity, float | None]:
    if place_id == origin.id:
        return Proximity.MEASURED, 0.0
    if place_id is not None and place_id in distances:
        return Proximity.MEASURED, distances[place_id]
    here = places.get(place_id) if place_id is not None else None
    if origin.unit_id is not None and origin.unit_id in (person.unit_id, here.unit_id if here else None):
        return Proximity.SAME_UNIT, None
    return Proximity.UNKNOWN, None


def _reasons(
    c: _Candidate,
    origin: Place,
    places: Mapping[str, Place],
    need_role: Role | None,
    need_skill: Skill | None,
    is_leader: bool,
) -> tuple[Reason, ...]:
    if c.tier is Tier.OFF_SHIFT:
        found = [Reason(ReasonCode.NOT_ON_SHIFT, Text("不在班，需电话召回", "not on shift: call them in"))]
    else:
        found = [Reason(ReasonCode.ON_DUTY, Text("值班表显示在岗", "on duty by the roster"))]
    if c.tier is Tier.AT_THE_DESK:
        text = Text("正在值班台值守，派出则无人接报", "on the duty desk: sending them leaves it unmanned")
        found.append(Reason(ReasonCode.DESK_DUTY, text))
    if is_leader:
        found.append(Reason(ReasonCode.LEADER_ON_DUTY, Text("今日带班领导", "leader on duty")))
    if need_role is not None:
        found.append(
            Reason(ReasonCode.HAS_ROLE, Text(f"身份：{need_role.label.zh}", f"role: {need_role.label.en}"))
        )
    if need_skill is not None:
        text = Text(f"具备技能：{need_skill.label.zh}", f"skill: {need_skill.label.en}")
        found.append(Reason(ReasonCode.HAS_SKILL, text))
    if c.open_count:
        text = Text(
            f"{c.status.label.zh}，已有 {c.open_count} 项派遣任务",
            f"{c.status.label.en.lower()}, already holds {c.open_count} assignment(s)",
        )
        found.append(Reason(ReasonCode.OTHER_ASSIGNMENTS, text))
    elif c.assumed:
        if c.tier is not Tier.OFF_SHIFT:
            text = Text("在班，暂无动态记录", "on shift, no status recorded yet")
            found.append(Reason(ReasonCode.STATUS_ASSUMED, text))
    elif c.status is ResponderStatus.CLEARED:
        found.append(
            Reason(ReasonCode.CLEARED, Text("已从上一事件撤离，可再派", "cleared from an earlier incident"))
        )
    else:
        found.append(Reason(ReasonCode.AVAILABLE, Text("当前待命", "available")))
    here = places.get(c.place_id) if c.place_id is not None else None
    here_name = here.name if here else (c.place_id or "")
    if c.place_id == origin.id:
        found.append(Reason(ReasonCode.AT_PLACE, Text(f"已在{origin.name}", f"already at {origin.name}")))
    elif c.distance_km is not None:
        text = Text(
            f"距{origin.name}约 {c.distance_km:.1f} 公里（{here_name}）",
            f"{c.distance_km:.1f} km away ({here_name})",
        )
        found.append(Reason(ReasonCode.DISTANCE, text))
    elif c.proximity is Proximity.SAME_UNIT:
        found.append(
            Reason(ReasonCode.SAME_UNIT, Text("与事发地点同属一个单位", "same unit as the incident place"))
        )
    else:
        found.append(Reason(ReasonCode.LOCATION_UNKNOWN, Text("位置不明", "location unknown")))
    return tuple(found)
