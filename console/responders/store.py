"""Responders at the edge: loading what decisions need, projecting events, the snapshot parts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from alerts.policy_io import PolicyOrg
from playbooks.config import library_dir
from playbooks.directory import library
from playbooks.facts import PlaceType
from responders.figures import leader_ids
from responders.organisation import Channel, Person, Place, Role, Skill, Unit
from responders.rollcall import Confirmation, RollCall
from responders.roster import ChangeKind, Post, Roster, RosterChange, Shift, leader_on_duty, on_duty
from responders.status import PERSON_MOVES, Assignment, PersonState, ResponderStatus, apply_move

from ..alerts.books import yaml_book
from ..alerts.tables import alert_policies
from ..clock import parse_iso, utc_iso
from ..commands import Context
from ..events import EventPayload, RecordedEvent
from ..incidents.events import stream_of
from ..incidents.tables import incidents
from ..registry import Projector
from ..tables import events, users
from .decide import IncidentRef, Organisation, OverdueState, Responders, RollcallState
from .events import (
    OrganisationImported,
    PlaceAdded,
    ResponderMoved,
    RollcallConfirmed,
    RollcallOverdue,
    RollcallStarted,
    RosterChanged,
)
from .tables import (
    assignments,
    org_people,
    org_places,
    org_units,
    responder_status,
    rollcall_answers,
    rollcalls,
    roster_changes,
    roster_shifts,
)


def _split(text: str) -> list[str]:
    return [v for v in text.split(",") if v]


# --- reading the organisation back as the responders core's types ---


def units(conn: Connection) -> list[Unit]:
    rows = conn.execute(select(org_units).order_by(org_units.c.id))
    return [Unit(id=r.id, name=r.name, kind=r.kind, parent_id=r.parent_id, phone=r.phone) for r in rows]


# Building the core's frozen objects costs far more than reading their rows (5,000 people: ~20 µs a row
# to read, ~70 µs to build), and a recommendation reads the whole organisation. So each process keeps
# the objects it built, keyed by the row's full content: a changed row is a new key, never a stale
# object, and the read stays a real read of the table. Bounded: past the limit the memo starts afresh.
_MEMO_LIMIT = 50_000
T = TypeVar("T")


class _Built(Generic[T]):
    """The objects built from one table's rows, by the rows' full content (see above).

    Between two reads of an unchanged table every row is as it was, so the last list of rows and what
    was built from it are kept too: rows equal to them (compared in one go, value by value) give the
    same objects without hashing each row; any other rows are looked up one by one. Safe across
    threads: each step is one dict or attribute operation under the GIL."""

    def __init__(self, build: Callable[[Any], T]) -> None:
        self.build = build
        self.by_row: dict[tuple[Any, ...], T] = {}
        self.last: tuple[list[tuple[Any, ...]], list[T]] = ([], [])

    def __call__(self, rows: Iterable[Any]) -> list[T]:
        listed = list(rows)
        keys = [r[:] for r in listed]  # a row's values as a tuple (slicing a Row gives its tuple)
        last_keys, last_built = self.last
        if keys == last_keys:
            return list(last_built)
        by_row, build = self.by_row, self.build
        built: list[T] = []
        for key, r in zip(keys, listed, strict=True):
            found = by_row.get(key)
            if found is None:
                if len(by_row) >= _MEMO_LIMIT:
                    by_row.clear()
                found = by_row[key] = build(r)
            built.append(found)
        self.last = (keys, built)
        return list(built)


def person_of(r: Any) -> Person:
    return Person.model_construct(
        id=r.id,
        name=r.name,
        unit_id=r.unit_id,
        post=r.post,
        roles=frozenset(Role(v) for v in _split(r.roles)),
        skills=frozenset(Skill(v) for v in _split(r.skills)),
        phone=r.phone,
        channels=tuple(Channel(v) for v in _split(r.channels)),
        base_place_id=r.base_place_id,
    )


_people_built = _Built(person_of)
_PEOPLE = select(org_people).order_by(org_people.c.id)
_SHIFTS = select(roster_shifts).order_by(roster_shifts.c.start_at, roster_shifts.c.id)
_CHANGES = select(roster_changes).order_by(roster_changes.c.position)


def people(conn: Connection) -> list[Person]:
    return people_of(conn.execute(_PEOPLE))


def people_of(rows: Iterable[Any]) -> list[Person]:
    """People from `org_people` rows (pure: callers may build them off the event loop)."""
    return _people_built(rows)


_PLACES = select(org_places).order_by(org_places.c.name)


def places(conn: Connection) -> dict[str, Place]:
    return places_of(conn.execute(_PLACES))


def places_of(rows: Iterable[Any]) -> dict[str, Place]:
    """Places from `org_places` rows, by id, in name order (pure)."""
    return {p.id: p for p in _places_built(rows)}


def place_of(r: Any) -> Place:
    return Place.model_construct(
        id=r.id,
        name=r.name,
        unit_id=r.unit_id,
        lat=r.lat,
        lon=r.lon,
        added_by=r.added_by,
        place_type=PlaceType(r.place_type),
    )


_places_built = _Built(place_of)


def shift_of(r: Any) -> Shift:
    return Shift.model_construct(
        id=r.id,
        unit_id=r.unit_id,
        post=Post(r.post),
        start=parse_iso(r.start_at),
        end=parse_iso(r.end_at),
        holder_id=r.holder_id,
    )


_shifts_built = _Built(shift_of)
# A page reads a few posts' shifts: built apart, so the whole roster's last rows stay the last read.
_post_shifts_built = _Built(shift_of)


def roster(conn: Connection, posts: Iterable[str] | None = None) -> Roster:
    """The roster; with `posts`, only those posts' shifts (swaps never cross posts, so theirs hold)."""
    if posts is None:
        return roster_of(conn.execute(_SHIFTS), conn.execute(_CHANGES))
    shifts = conn.execute(_SHIFTS.where(roster_shifts.c.post.in_(list(posts))))
    return roster_of(shifts, conn.execute(_CHANGES), _post_shifts_built)


def roster_rows(conn: Connection) -> tuple[list[Any], list[Any]]:
    """The rows `roster_of` takes (shifts, changes), fetched."""
    return list(conn.execute(_SHIFTS).all()), list(conn.execute(_CHANGES).all())


def people_rows(conn: Connection) -> list[Any]:
    return list(conn.execute(_PEOPLE).all())


def place_rows(conn: Connection) -> list[Any]:
    return list(conn.execute(_PLACES).all())


def roster_of(
    shift_rows: Iterable[Any], change_rows: Iterable[Any], built: _Built[Shift] = _shifts_built
) -> Roster:
    """The roster from `roster_shifts` and `roster_changes` rows (pure but for the cache of built shifts)."""
    shifts = tuple(built(shift_rows))
    changes = tuple(
        RosterChange.model_construct(
            id=r.id,
            kind=ChangeKind(r.kind),
            shift_id=r.shift_id,
            other_shift_id=r.other_shift_id,
            new_holder_id=r.new_holder_id,
            made_by=r.made_by,
            made_at=parse_iso(r.made_at),
            reason=r.reason,
        )
        for r in change_rows
    )
    return Roster.model_construct(shifts=shifts, changes=changes)


def person_states(conn: Connection, person_ids: list[str] | None, now: datetime) -> dict[str, PersonState]:
    """Each existing person's state; with no status recorded, a running shift counts as available."""
    query = select(org_people.c.id)
    if person_ids is not None:
        query = query.where(org_people.c.id.in_(person_ids))
    ids = list(conn.scalars(query))
    if not ids:
        return {}
    duty = on_duty(roster(conn), now)
    base = {
        r.person_id: r
        for r in conn.execute(select(responder_status).where(responder_status.c.person_id.in_(ids)))
    }
    held: dict[str, list[Assignment]] = {}
    for r in conn.execute(select(assignments).where(assignments.c.person_id.in_(ids))):
        held.setdefault(r.person_id, []).append(
            Assignment(r.incident_id, ResponderStatus(r.status), r.destination_id, r.place_id)
        )
    states = {}
    for pid in ids:
        row = base.get(pid)
        status = (
            ResponderStatus(row.base)
            if row
            else (ResponderStatus.AVAILABLE if pid in duty else ResponderStatus.OFF_DUTY)
        )
        states[pid] = PersonState(
            pid, status, row.unavailable_reason if row else None, tuple(held.get(pid, ()))
        )
    return states


# --- loaders for the decisions ---


def _actor_person(conn: Connection, ctx: Context) -> str | None:
    name = conn.scalar(select(users.c.username).where(users.c.id == ctx.actor.id))
    if name is None:
        return None
    return name if conn.scalar(select(org_people.c.id).where(org_people.c.id == name)) else None


def _incident(conn: Connection, incident_id: str | None) -> IncidentRef | None:
    if incident_id is None:
        return None
    row = conn.execute(
        select(incidents.c.id, incidents.c.status, incidents.c.place).where(incidents.c.id == incident_id)
    ).first()
    return IncidentRef(row.id, row.status == "open", row.place) if row else None


def load_organisation(conn: Connection, args: Any, ctx: Context) -> Organisation:
    unit_ids = frozenset(conn.scalars(select(org_units.c.id)))
    person_ids = frozenset(conn.scalars(select(org_people.c.id)))
    policies = None
    if getattr(args, "table", None) == "policies":
        policies = _policy_org(conn, ctx, unit_ids, person_ids)
    return Organisation(unit_ids=unit_ids, person_ids=person_ids, places=places(conn), policies=policies)


def _policy_org(
    conn: Connection, ctx: Context, unit_ids: frozenset[str], person_ids: frozenset[str]
) -> PolicyOrg:
    """What imported policies are checked against: the organisation now, the policies already
    imported, the YAML book, and which playbook of the library names which policy (a removal must
    not leave a playbook naming a policy the book lacks: its incidents could not be registered)."""
    named: dict[str, list[str]] = {}
    for snap in library(library_dir(ctx.settings)).playbooks:
        pb = snap.playbook
        for loc, name in pb.named_policies():
            if loc[0] == "steps":
                where = pb.steps[int(loc[1])].id
            elif loc[0] == "reports":
                where = pb.reports[int(loc[1])].id
            else:
                where = "defaults"
            entry = f"{pb.id} / {where}"
            if entry not in named.setdefault(name, []):
                named[name].append(entry)
    return PolicyOrg(
        person_ids=person_ids,
        unit_ids=unit_ids,
        roles=frozenset(r.value for r in Role),
        posts=frozenset(p.value for p in Post),
        imported=frozenset(conn.scalars(select(alert_policies.c.id))),
        book=frozenset(p.id for p in yaml_book(ctx.settings).policies),
        named_by={k: tuple(v) for k, v in named.items()},
    )


def load_roster(conn: Connection, _args: Any, _ctx: Context) -> tuple[Roster, frozenset[str]]:
    return roster(conn), frozenset(conn.scalars(select(org_people.c.id)))


def load_responders(conn: Connection, args: Any, ctx: Context) -> Responders:
    actor = _actor_person(conn, ctx)
    wanted = list(getattr(args, "person_ids", None) or [args.person_id or actor or ""])
    known = {r.id: r.name for r in conn.execute(select(org_places.c.id, org_places.c.name))}
    people = person_states(conn, wanted, ctx.now)
    named = {a.incident_id for p in people.values() for a in p.assignments}
    if args.incident_id:
        named.add(args.incident_id)
    numbers = conn.execute(select(incidents.c.id, incidents.c.number).where(incidents.c.id.in_(named)))
    return Responders(
        actor_person=actor,
        people=people,
        incident=_incident(conn, args.incident_id),
        place_ids=frozenset(known),
        place_by_name={name: pid for pid, name in known.items()},
        leaders=_leaders(conn, wanted, ctx.now),
        incident_numbers={r.id: r.number for r in numbers},
    )


def _leaders(conn: Connection, person_ids: list[str], now: datetime) -> frozenset[str]:
    """Which of these people count as leaders: 分管领导 or 委领导, or the leader on duty now."""
    rows = conn.execute(select(org_people).where(org_people.c.id.in_(person_ids)))
    found = leader_ids(people_of(rows))
    on_duty_leader = leader_on_duty(roster(conn), now)
    if on_duty_leader in person_ids:
        found.add(on_duty_leader)
    return frozenset(found)


def load_rollcall(conn: Connection, args: Any, ctx: Context) -> RollcallState:
    actor = _actor_person(conn, ctx)
    if hasattr(args, "rollcall_id"):
        return RollcallState(actor_person=actor, incident=None, rollcall=rollcall(conn, args.rollcall_id))
    assigned = tuple(
        conn.scalars(select(assignments.c.person_id).where(assignments.c.incident_id == args.incident_id))
    )
    return RollcallState(actor_person=actor, incident=_incident(conn, args.incident_id), assigned=assigned)


def rollcall(conn: Connection, rollcall_id: str) -> RollCall | None:
    row = conn.execute(select(rollcalls).where(rollcalls.c.id == rollcall_id)).first()
    if row is None:
        return None
    answers = conn.execute(
        select(rollcall_answers)
        .where(rollcall_answers.c.rollcall_id == rollcall_id)
        .order_by(rollcall_answers.c.position)
    )
    return RollCall(
        id=row.id,
        incident_id=row.incident_id,
        started_by=row.started_by,
        started_at=parse_iso(row.started_at),
        deadline=parse_iso(row.deadline),
        expected=tuple(_split(row.expected)),
        confirmations=tuple(
            Confirmation(a.person_id, parse_iso(a.confirmed_at), a.actor_id, a.place_id) for a in answers
        ),
    )


def overdue_flag(conn: Connection, incident_id: str, rollcall_id: str) -> tuple[RollcallOverdue, str] | None:
    """The roll call's overdue flag and when it was recorded, read from the incident's stream of the log."""
    rows = conn.execute(
        select(events.c.payload, events.c.recorded_at)
        .where(events.c.stream == stream_of(incident_id), events.c.type == RollcallOverdue.event_type)
        .order_by(events.c.position)
    )
    for row in rows:
        flag = RollcallOverdue.model_validate_json(row.payload)
        if flag.rollcall_id == rollcall_id:
            return flag, row.recorded_at
    return None


def load_overdue(conn: Connection, args: Any, _ctx: Context) -> OverdueState:
    call = rollcall(conn, args.rollcall_id)
    if call is None:
        return OverdueState(rollcall=None, incident=None, flagged=False)
    flagged = overdue_flag(conn, call.incident_id, call.id) is not None
    return OverdueState(rollcall=call, incident=_incident(conn, call.incident_id), flagged=flagged)


# --- projectors ---


def _upsert(conn: Connection, table: Any, key: dict[str, Any], values: dict[str, Any]) -> None:
    where = [table.c[k] == v for k, v in key.items()]
    if conn.execute(update(table).where(*where).values(**values)).rowcount == 0:
        conn.execute(insert(table).values(**key, **values))


def _imported(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, OrganisationImported)
    pos = {"last_position": event.position}
    for u in p.units:
        values = {"name": u.name, "kind": u.kind.value, "parent_id": u.parent_id, "phone": u.phone, **pos}
        _upsert(conn, org_units, {"id": u.id}, values)
    for person in p.people:
        values = {
            "name": person.name,
            "unit_id": person.unit_id,
            "post": person.post,
            "roles": ",".join(sorted(person.roles)),
            "skills": ",".join(sorted(person.skills)),
            "phone": person.phone,
            "channels": ",".join(person.channels),
            "base_place_id": person.base_place_id,
            **pos,
        }
        _upsert(conn, org_people, {"id": person.id}, values)
    for place in p.places:
        _place(conn, place, event.position)
    for s in p.shifts:
        values = {
            "unit_id": s.unit_id,
            "post": s.post.value,
            "start_at": utc_iso(s.start),
            "end_at": utc_iso(s.end),
            "holder_id": s.holder_id,
            **pos,
        }
        _upsert(conn, roster_shifts, {"id": s.id}, values)


def _place(conn: Connection, place: Place, position: int) -> None:
    values = {
        "name": place.name,
        "unit_id": place.unit_id,
        "lat": place.lat,
        "lon": place.lon,
        "added_by": place.added_by,
        "place_type": place.place_type.value,
        "last_position": position,
    }
    _upsert(conn, org_places, {"id": place.id}, values)


def _place_added(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, PlaceAdded)
    _place(conn, p.place, event.position)


def _roster_changed(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, RosterChanged)
    c = p.change
    conn.execute(
        insert(roster_changes).values(
            id=c.id,
            kind=c.kind.value,
            shift_id=c.shift_id,
            other_shift_id=c.other_shift_id,
            new_holder_id=c.new_holder_id,
            made_by=c.made_by,
            made_by_name=event.actor_name,
            made_at=utc_iso(c.made_at),
            reason=c.reason,
            position=event.position,
        )
    )


def _person_state(conn: Connection, person_id: str) -> PersonState:
    """One person's state as the tables hold it (no recorded status: off duty, whatever the roster says;
    a recorded move never depends on that base, which is only what the person falls back to)."""
    row = conn.execute(select(responder_status).where(responder_status.c.person_id == person_id)).first()
    held = tuple(
        Assignment(r.incident_id, ResponderStatus(r.status), r.destination_id, r.place_id)
        for r in conn.execute(select(assignments).where(assignments.c.person_id == person_id))
    )
    if row is None:
        return PersonState(person_id, assignments=held)
    return PersonState(person_id, ResponderStatus(row.base), row.unavailable_reason, held)


def _moved(conn: Connection, event: RecordedEvent) -> None:
    """Apply the move with the status machine itself (responders.status.apply_move) and write the change."""
    p = event.payload
    assert isinstance(p, ResponderMoved)
    at, position = event.occurred_at, event.position
    before = _person_state(conn, p.person_id)
    after = apply_move(before, p.incident_id, p.move, p.status, place_id=p.place_id, reason=p.reason)
    # A person's own move is always written: with no row, the roster decides, and the move overrides it.
    own = p.move in PERSON_MOVES
    if own or (after.base, after.unavailable_reason) != (before.base, before.unavailable_reason):
        values = {"base": after.base.value, "unavailable_reason": after.unavailable_reason, "since": at}
        _upsert(conn, responder_status, {"person_id": p.person_id}, {**values, "last_position": position})
    old = {a.incident_id: a for a in before.assignments}
    new = {a.incident_id: a for a in after.assignments}
    for incident_id in old.keys() - new.keys():
        conn.execute(
            delete(assignments).where(
                assignments.c.incident_id == incident_id, assignments.c.person_id == p.person_id
            )
        )
    for incident_id, a in new.items():
        if incident_id not in old:
            conn.execute(
                insert(assignments).values(
                    incident_id=incident_id,
                    person_id=p.person_id,
                    status=a.status.value,
                    role=p.role,
                    destination_id=a.destination_id,
                    place_id=a.place_id,
                    dispatched_at=at,
                    dispatched_by=event.actor_name,
                    since=at,
                    last_position=position,
                )
            )
        elif a != old[incident_id] or incident_id == p.incident_id:
            conn.execute(
                update(assignments)
                .where(assignments.c.incident_id == incident_id, assignments.c.person_id == p.person_id)
                .values(
                    status=a.status.value,
                    destination_id=a.destination_id,
                    place_id=a.place_id,
                    since=at,
                    last_position=position,
                )
            )


def _rollcall_started(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, RollcallStarted)
    conn.execute(
        insert(rollcalls).values(
            id=p.rollcall_id,
            incident_id=p.incident_id,
            started_by=event.actor_id,
            started_at=event.recorded_at,
            deadline=p.deadline,
            expected=",".join(p.expected),
            position=event.position,
        )
    )


def _rollcall_confirmed(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, RollcallConfirmed)
    conn.execute(
        insert(rollcall_answers).values(
            rollcall_id=p.rollcall_id,
            person_id=p.person_id,
            confirmed_at=event.recorded_at,
            # the person themself, or the user who confirmed for them (the roll call tells them apart)
            actor_id=event.actor_id if p.on_behalf else p.person_id,
            place_id=p.place_id,
            position=event.position,
        )
    )


PROJECTORS: dict[type[EventPayload], tuple[Projector, ...]] = {
    OrganisationImported: (_imported,),
    PlaceAdded: (_place_added,),
    RosterChanged: (_roster_changed,),
    ResponderMoved: (_moved,),
    RollcallStarted: (_rollcall_started,),
    RollcallConfirmed: (_rollcall_confirmed,),
}
