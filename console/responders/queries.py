"""Read side: movement logs, boards, activity logs, figures, recommendations, roster and roll calls.

Movement and activity logs are queries over the event log (`responder.moved` events), not tables kept
by hand; the rest reads the projections. Functions take a synchronous connection (run via run_sync).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from responders.figures import leader_arrivals, leader_ids, response_figures
from responders.movement import (
    MovementKind,
    MovementRecord,
    activity_log,
    movement_board,
    movement_log,
    unacknowledged,
)
from responders.organisation import Place, Role, Skill
from responders.recommend import recommend
from responders.rollcall import summarise, unconfirmed
from responders.roster import EffectiveShift, effective_shifts, leader_on_duty, running
from responders.status import ResponderStatus, own_next_moves
from responders.text import Text

from ..clock import parse_iso, utc_iso
from ..incidents.events import stream_of
from ..incidents.recusal import commission_heads, hidden_from, is_recused
from ..incidents.tables import incidents
from ..settings import Settings
from ..tables import events, users
from . import store
from .tables import assignments, org_people, responder_status, rollcalls, roster_changes

KIND_OF = {kind.move: kind for kind in MovementKind}


def _seconds(delta: timedelta | None) -> int | None:
    return None if delta is None else int(delta.total_seconds())


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else utc_iso(dt)


def text_in(text: Text, locale: str | None) -> str:
    return text.en if locale == "en" else text.zh


def movement_records(
    conn: Connection, *, incident_id: str | None = None, person_id: str | None = None
) -> list[MovementRecord]:
    """Every move at an incident (or of a person), read from the event log."""
    query = select(
        events.c.actor_id, events.c.actor_name, events.c.occurred_at, events.c.recorded_at, events.c.payload
    ).where(events.c.type == "responder.moved")
    if incident_id is not None:
        query = query.where(events.c.stream == stream_of(incident_id))
    if person_id is not None:
        # A coarse filter in the database (payload text is canonical JSON); the exact one below.
        needle = '"person_id":' + json.dumps(person_id, ensure_ascii=False)
        query = query.where(events.c.payload.contains(needle, autoescape=True))
    records = []
    for row in conn.execute(query.order_by(events.c.position)):
        p = json.loads(row.payload)
        if p.get("incident_id") is None or (person_id is not None and p["person_id"] != person_id):
            continue
        kind = KIND_OF[p["move"]]
        by_person = not p.get("on_behalf") and not kind.decided_by_dispatcher
        records.append(
            MovementRecord.model_construct(
                person_id=p["person_id"],
                incident_id=p["incident_id"],
                kind=kind,
                # Who recorded it: the person themself, or by name the officer who did (代为登记 / 下达).
                actor_id=p["person_id"] if by_person else row.actor_name[:64],
                occurred_at=parse_iso(row.occurred_at),
                recorded_at=parse_iso(row.recorded_at),
                place_id=p.get("place_id"),
                lat=p.get("lat"),
                lon=p.get("lon"),
                assignment_role=p.get("role"),
                note=p.get("note"),
                record_id=None,
            )
        )
    return records


def names(conn: Connection) -> dict[str, str]:
    return {r.id: r.name for r in conn.execute(select(org_people.c.id, org_people.c.name))}


def incident_responders(
    conn: Connection, incident_id: str, now: datetime, locale: str | None
) -> dict[str, Any]:
    """The incident's movement board, unacknowledged dispatches, log, figures, leader arrival, roll call."""
    records = movement_records(conn, incident_id=incident_id)
    people = store.people(conn)
    who = {p.id: p.name for p in people}
    places = store.places(conn)
    where = {pid: p.name for pid, p in places.items()}
    opened = conn.scalar(select(incidents.c.opened_at).where(incidents.c.id == incident_id))
    board = [
        {
            "person_id": r.person_id,
            "name": who.get(r.person_id, r.person_id),
            "status": r.status.value,
            "status_label": text_in(r.status.label, locale),
            "place_id": r.place_id,
            "place": where.get(r.place_id or "", r.place_id),
            "destination": where.get(r.destination_id or "", r.destination_id),
            "role": r.assignment_role,
            "since": _iso(r.since),
            "dispatched_at": _iso(r.dispatched_at),
            "open": r.is_open,
        }
        for r in movement_board(records, incident_id, now)
    ]
    waiting = [
        {"person_id": r.person_id, "name": who.get(r.person_id, r.person_id), "age_s": _seconds(r.age),
         "dispatched_at": _iso(r.dispatched_at)}
        for r in unacknowledged(records, incident_id, now)
    ]  # fmt: skip
    log = [movement_row(r, who, where, locale) for r in movement_log(records, incident_id)]
    figures = [
        {
            "person_id": f.person_id,
            "name": who.get(f.person_id, f.person_id),
            "number": f.number,
            "dispatched_at": _iso(f.dispatched_at),
            "acknowledged_at": _iso(f.acknowledged_at),
            "arrived_at": _iso(f.arrived_at),
            "ended_at": _iso(f.ended_at),
            "time_to_acknowledge_s": _seconds(f.time_to_acknowledge),
            "time_to_arrive_s": _seconds(f.time_to_arrive),
            "time_on_scene_s": _seconds(f.time_on_scene),
            "on_scene_now": f.on_scene_now,
        }
        for f in response_figures(records, incident_id=incident_id, now=now)
    ]
    leaders = leader_ids(people) | {leader_on_duty(store.roster(conn), now) or ""}
    arrivals = [
        {
            "person_id": a.person_id,
            "name": who.get(a.person_id, a.person_id),
            "arrived_at": _iso(a.arrived_at),
            "place": where.get(a.place_id or "", a.place_id),
            "after_open_s": _seconds(a.after_open),
        }
        for a in leader_arrivals(
            records, incident_id=incident_id, leaders=leaders, opened_at=parse_iso(opened) if opened else None
        )
    ]
    return {
        "board": board,
        "unacknowledged": waiting,
        "log": log,
        "figures": figures,
        "leader_arrivals": arrivals,
        "rollcall": rollcall_status(conn, incident_id, now, who),
    }


def movement_row(
    r: MovementRecord, who: Mapping[str, str], where: Mapping[str, str], locale: str | None
) -> dict[str, Any]:
    return {
        "occurred_at": _iso(r.occurred_at),
        "recorded_at": _iso(r.recorded_at),
        "person_id": r.person_id,
        "name": who.get(r.person_id, r.person_id),
        "kind": r.kind.value,
        "kind_label": text_in(r.kind.label, locale),
        "place": where.get(r.place_id or "", r.place_id),
        "role": r.assignment_role,
        "recorded_by": r.actor_id,
        "on_behalf": r.on_behalf,
    }


def rollcall_status(
    conn: Connection, incident_id: str, now: datetime, who: Mapping[str, str]
) -> dict[str, Any] | None:
    """The latest roll call of the incident, with who has not confirmed (flagged once overdue)."""
    rid = conn.scalar(
        select(rollcalls.c.id)
        .where(rollcalls.c.incident_id == incident_id)
        .order_by(rollcalls.c.position.desc())
    )
    call = store.rollcall(conn, rid) if rid else None
    if call is None:
        return None
    summary = summarise(call, now)
    flag = store.overdue_flag(conn, incident_id, call.id)
    flagged = (
        {"at": flag[1], "started_by": flag[0].started_by,
         "unconfirmed": [{"person_id": p, "name": who.get(p, p)} for p in flag[0].unconfirmed]}
        if flag else None
    )  # fmt: skip
    return {
        "id": call.id,
        "started_at": _iso(call.started_at),
        "deadline": _iso(call.deadline),
        "expected": summary.expected,
        "confirmed": summary.confirmed,
        "late": summary.late,
        "overdue": summary.overdue,
        "complete": summary.complete,
        "flagged": flagged,  # 清点超时: recorded once when the time was up (console.responders.timer)
        "confirmations": [
            {"person_id": c.person_id, "name": who.get(c.person_id, c.person_id), "at": _iso(c.confirmed_at),
             "on_behalf": c.on_behalf}
            for c in call.confirmations
        ],
        "unconfirmed": [
            {"person_id": u.person_id, "name": who.get(u.person_id, u.person_id),
             "waiting_s": _seconds(u.waiting), "overdue": u.overdue}
            for u in unconfirmed(call, now)
        ],
    }  # fmt: skip


def person_activity(
    conn: Connection, person_id: str, start: datetime, end: datetime, locale: str | None
) -> dict[str, Any] | None:
    """ICS-214 活动记录 of one person for [start, end)."""
    name = conn.scalar(select(org_people.c.name).where(org_people.c.id == person_id))
    if name is None:
        return None
    places = store.places(conn)
    entries = activity_log(
        movement_records(conn, person_id=person_id), person_id, start=start, end=end, places=places
    )
    return {
        "person": {"id": person_id, "name": name},
        "start": utc_iso(start),
        "end": utc_iso(end),
        "entries": [
            {"time": _iso(e.time), "place": e.place_name, "activity": text_in(e.activity, locale),
             "incident_id": e.incident_id, "recorded_by": e.actor_id, "recorded_at": _iso(e.recorded_at),
             "on_behalf": e.on_behalf}
            for e in entries
        ],
        "_entries": entries,
    }  # fmt: skip


_STATUSES = select(responder_status.c.person_id, responder_status.c.base)
_ASSIGNMENTS = select(
    assignments.c.person_id, assignments.c.incident_id, assignments.c.status, assignments.c.place_id
)
_STATUS_OF = {s.value: s for s in ResponderStatus}
# An open assignment's status, most advanced first: the one a person shows when holding several.
_ASSIGNED_ORDER = (
    ResponderStatus.ON_SCENE,
    ResponderStatus.EN_ROUTE,
    ResponderStatus.ACKNOWLEDGED,
    ResponderStatus.DISPATCHED,
)


def statuses(
    conn: Connection,
) -> tuple[dict[str, ResponderStatus], dict[str, tuple[str, ...]], dict[str, str]]:
    """Recorded statuses, open assignments and current places, as `recommend` takes them."""
    return statuses_of(conn.execute(_STATUSES), conn.execute(_ASSIGNMENTS))


def statuses_of(
    status_rows: Iterable[Any], assignment_rows: Iterable[Any]
) -> tuple[dict[str, ResponderStatus], dict[str, tuple[str, ...]], dict[str, str]]:
    """`statuses` from fetched rows of `_STATUSES` and `_ASSIGNMENTS` (pure). The rows are unpacked in
    their columns' order: a row's attributes cost ten times more to read, and there are thousands."""
    status = {person_id: _STATUS_OF[base] for person_id, base in status_rows}
    held: dict[str, list[str]] = {}
    located: dict[str, str] = {}
    best: dict[str, int] = {}
    for person_id, incident_id, assigned, place_id in assignment_rows:
        held.setdefault(person_id, []).append(incident_id)
        rank = _ASSIGNED_ORDER.index(_STATUS_OF[assigned])
        if rank < best.get(person_id, 99):
            best[person_id] = rank
            status[person_id] = _ASSIGNED_ORDER[rank]
        if place_id:
            located[person_id] = place_id
    return status, {k: tuple(v) for k, v in held.items()}, located


@dataclass(frozen=True)
class RecommendationRows:
    """Everything a recommendation reads, fetched: `rank` builds and ranks from it without the database,
    so the web handler can run that part off the event loop."""

    incident_id: str
    place_name: str
    places: list[Any]
    people: list[Any]
    shifts: list[Any]
    changes: list[Any]
    statuses: list[Any]
    assignments: list[Any]


def recommendation_rows(conn: Connection, incident_id: str) -> RecommendationRows | None:
    """The rows a recommendation for this incident ranks; None if there is no such incident."""
    place_name = conn.scalar(select(incidents.c.place).where(incidents.c.id == incident_id))
    if place_name is None:
        return None
    shifts, changes = store.roster_rows(conn)
    people = store.people_rows(conn)
    if is_recused(conn, incident_id):
        heads = commission_heads(conn)  # 回避: nobody proposes sending the head to a report about him
        people = [p for p in people if p.id not in heads]
    return RecommendationRows(
        incident_id=incident_id,
        place_name=place_name,
        places=store.place_rows(conn),
        people=people,
        shifts=shifts,
        changes=changes,
        statuses=list(conn.execute(_STATUSES).all()),
        assignments=list(conn.execute(_ASSIGNMENTS).all()),
    )


def rank(
    rows: RecommendationRows,
    now: datetime,
    locale: str | None,
    *,
    place_id: str | None = None,
    role: Role | None = None,
    skill: Skill | None = None,
    limit: int = 8,
) -> list[dict[str, Any]]:
    """Whom to send, best first, with reasons, from the fetched rows (pure: no database, no loop)."""
    incident_id, place_name = rows.incident_id, rows.place_name
    places = store.places_of(rows.places)
    target = (
        place_id
        if place_id in places
        else next((p.id for p in places.values() if p.name == place_name), None)
    )
    if target is None:
        # The incident's place is not a named place yet: rank with distance unknown.
        target = "incident:" + incident_id
        places = {
            **places,
            target: Place.model_construct(id=target, name=place_name, unit_id=None, lat=None, lon=None),
        }
    status, held, located = statuses_of(rows.statuses, rows.assignments)
    found = recommend(
        people=store.people_of(rows.people),
        statuses=status,
        assignments=held,
        roster=store.roster_of(rows.shifts, rows.changes),
        places=places,
        incident_place=target,
        now=now,
        need_role=role,
        need_skill=skill,
        limit=limit,
        locations=located,
        incident_id=incident_id,
        everyone=True,  # every eligible person, the free ones first, each with why (issue 11)
    )
    return [
        {
            "rank": r.rank,
            "person_id": r.person_id,
            "name": r.name,
            "status": r.status.value,
            "status_label": text_in(r.status.label, locale),
            "place": places[r.place_id].name if r.place_id in places else r.place_id,
            "distance_km": None if r.distance_km is None else round(r.distance_km, 2),
            "open_assignments": r.open_assignments,
            "reasons": [{"code": x.code.value, "text": text_in(x.text, locale)} for x in r.reasons],
        }
        for r in found
    ]


def recommendations(
    conn: Connection,
    incident_id: str,
    now: datetime,
    locale: str | None,
    *,
    place_id: str | None = None,
    role: Role | None = None,
    skill: Skill | None = None,
    limit: int = 8,
) -> list[dict[str, Any]] | None:
    """Whom to send to the incident (or to `place_id`), best first, with reasons; None if no incident."""
    rows = recommendation_rows(conn, incident_id)
    if rows is None:
        return None
    return rank(rows, now, locale, place_id=place_id, role=role, skill=skill, limit=limit)


def roster_now(conn: Connection, now: datetime, locale: str | None) -> dict[str, Any]:
    """值班表: who is on duty now, the leader on duty, shifts to come, and every swap and override."""
    roster = store.roster(conn)
    who = names(conn)
    leader = leader_on_duty(roster, now)
    made_by = {
        r.id: r.made_by_name for r in conn.execute(select(roster_changes.c.id, roster_changes.c.made_by_name))
    }
    changes = [
        {"id": c.id, "kind": c.kind.value, "kind_label": text_in(c.kind.label, locale),
         "shift_id": c.shift_id, "other_shift_id": c.other_shift_id, "new_holder_id": c.new_holder_id,
         "new_holder": who.get(c.new_holder_id or "", c.new_holder_id), "made_at": _iso(c.made_at),
         "made_by": c.made_by, "made_by_name": made_by.get(c.id, c.made_by), "reason": c.reason}
        for c in roster.changes
    ]  # fmt: skip
    return {
        "now": utc_iso(now),
        "leader_on_duty": {"id": leader, "name": who.get(leader, leader)} if leader else None,
        "on_duty": [_shift_row(e, who, locale) for e in running(roster, now)],
        "upcoming": [
            _shift_row(e, who, locale)
            for e in sorted(effective_shifts(roster), key=lambda e: (e.shift.start, e.shift.id))
            if e.shift.end > now
        ][:UPCOMING_SHIFTS],
        "changes": changes,
    }


UPCOMING_SHIFTS = 80  # a week of a small office's posts: what the swap and override forms offer


def _shift_row(e: EffectiveShift, who: Mapping[str, str], locale: str | None) -> dict[str, Any]:
    return {
        "shift_id": e.shift.id,
        "post": e.shift.post.value,
        "post_label": text_in(e.shift.post.label, locale),
        "unit_id": e.shift.unit_id,
        "person_id": e.holder_id,
        "name": who.get(e.holder_id, e.holder_id),
        "start": _iso(e.shift.start),
        "end": _iso(e.shift.end),
        "changed": bool(e.changes),
    }


def my_assignments(conn: Connection, person_id: str) -> list[dict[str, Any]]:
    """A responder's open assignments, with the incidents' numbers and places (the phone page)."""
    query = (
        select(assignments, incidents.c.number, incidents.c.place.label("incident_place"), incidents.c.type)
        .join(incidents, incidents.c.id == assignments.c.incident_id)
        .where(assignments.c.person_id == person_id)
        .order_by(assignments.c.dispatched_at)
    )
    where = {pid: p.name for pid, p in store.places(conn).items()}
    return [
        {**assignment_row(r), "number": r.number, "incident_place": r.incident_place, "type": r.type,
         "destination": where.get(r.destination_id or "", r.destination_id),
         "place": where.get(r.place_id or "", r.place_id),
         # The status machine's own answer, so the phone never keeps a copy of the table.
         "moves": [m.value for m in own_next_moves(ResponderStatus(r.status))]}
        for r in conn.execute(query)
    ]  # fmt: skip


def assignment_row(r: Any) -> dict[str, Any]:
    return {
        "incident_id": r.incident_id,
        "person_id": r.person_id,
        "status": r.status,
        "role": r.role,
        "destination_id": r.destination_id,
        "place_id": r.place_id,
        "dispatched_at": r.dispatched_at,
        "since": r.since,
    }


def _assignments_snapshot(conn: Connection, view: str, _settings: Settings) -> list[dict[str, Any]]:
    rows = conn.execute(select(assignments).order_by(assignments.c.incident_id, assignments.c.person_id))
    hidden = hidden_from(conn, view)  # 回避: incidents about the commission's head
    return [assignment_row(r) for r in rows if r.incident_id not in hidden]


SNAPSHOT_PARTS = {"assignments": _assignments_snapshot}


def person_of_user(conn: Connection, user_id: str) -> dict[str, str] | None:
    """The organisation's person a login is (a person's id is their user name), or None."""
    username = conn.scalar(select(users.c.username).where(users.c.id == user_id))
    person = conn.execute(
        select(org_people.c.id, org_people.c.name).where(org_people.c.id == username)
    ).first()
    return {"id": person.id, "name": person.name} if person is not None else None
