"""Incidents at the edge: loading state for decisions, projecting events, the snapshot part."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from ..commands import CommandArgs, Context
from ..events import RecordedEvent
from ..projections import projection_tables, projector, snapshot_part
from ..runs.library import playbook_for
from ..settings import Settings
from ..tables import incident_confidential, incident_members, incident_notes, incidents, users
from .confidential import Matter, MemberUnassigned
from .domain import (
    IncidentClosed,
    IncidentFactsAmended,
    IncidentNoteAdded,
    IncidentRegistered,
    IncidentState,
    IncidentStatus,
    Numbering,
    local_year,
)
from .model import ConfidentialRecorded, MemberAssigned

projection_tables(incident_notes, incidents, incident_confidential, incident_members)


def load_numbering(conn: Connection, args: CommandArgs, ctx: Context) -> Numbering:
    """The next number of the year (safe because the writer holds the log lock) and the playbook to run."""
    year = local_year(ctx.now, ctx)
    top = conn.scalar(select(func.max(incidents.c.seq)).where(incidents.c.year == year))
    kind = getattr(args, "type", None)
    playbook = playbook_for(str(kind), ctx.playbook_dir) if kind is not None else None
    return Numbering(year=year, next_seq=(top or 0) + 1, playbook=playbook)


_LOAD_INCIDENT = select(incidents).where(incidents.c.id == bindparam("id"))
_INSERT_NOTE = insert(incident_notes)


def load_incident(conn: Connection, args: Any, _ctx: Context) -> IncidentState | None:
    row = conn.execute(_LOAD_INCIDENT, {"id": args.incident_id}).first()
    if row is None:
        return None
    return IncidentState(
        id=row.id,
        status=IncidentStatus(row.status),
        type=row.type,
        place=row.place,
        head_count=row.head_count,
        summary=row.summary,
        channel=row.channel,
    )


@projector("incident.registered")
def _registered(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, IncidentRegistered)
    _prefix, year, seq = p.number.rsplit("-", 2)
    conn.execute(
        insert(incidents).values(
            id=p.incident_id,
            number=p.number,
            year=int(year),
            seq=int(seq),
            type=p.incident_type.value,
            place=p.place,
            head_count=p.head_count,
            summary=p.summary,
            channel=p.channel.value,
            status=IncidentStatus.OPEN.value,
            drill=p.drill,
            occurred_at=event.occurred_at,
            opened_at=event.recorded_at,
            registered_by=event.actor_id,
            last_position=event.position,
        )
    )


@projector("incident.facts_amended")
def _amended(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, IncidentFactsAmended)
    conn.execute(
        update(incidents)
        .where(incidents.c.id == p.incident_id)
        .values(**p.changes, last_position=event.position)
    )


@projector("incident.note_added")
def _note(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, IncidentNoteAdded)
    conn.execute(
        _INSERT_NOTE,
        {
            "id": p.note_id,
            "incident_id": p.incident_id,
            "position": event.position,
            "author_id": event.actor_id,
            "author_name": event.actor_name,
            "text": p.text,
            "occurred_at": event.occurred_at,
        },
    )
    conn.execute(
        update(incidents).where(incidents.c.id == p.incident_id).values(last_position=event.position)
    )


@projector("incident.closed")
def _closed(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, IncidentClosed)
    conn.execute(
        update(incidents)
        .where(incidents.c.id == p.incident_id)
        .values(
            status=IncidentStatus.CLOSED.value,
            outcome=p.outcome.value,
            outcome_summary=p.summary,
            closed_at=event.recorded_at,
            last_position=event.position,
        )
    )


def incident_row(
    row: Any, members: dict[str, list[str]] | None = None, sealed: set[str] | None = None
) -> dict[str, Any]:
    """The protocol/API form of an incident projection row (confidential values never included)."""
    return {
        "id": row.id,
        "number": row.number,
        "type": row.type,
        "place": row.place,
        "head_count": row.head_count,
        "summary": row.summary,
        "channel": row.channel,
        "status": row.status,
        "drill": bool(row.drill),
        "outcome": row.outcome,
        "outcome_summary": row.outcome_summary,
        "occurred_at": row.occurred_at,
        "opened_at": row.opened_at,
        "closed_at": row.closed_at,
        "last_position": row.last_position,
        "registered_by": row.registered_by,
        "has_confidential": row.id in (sealed or ()),
        "assigned": (members or {}).get(row.id, []),
    }


def note_row(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "incident_id": row.incident_id,
        "position": row.position,
        "author": {"id": row.author_id, "name": row.author_name},
        "text": row.text,
        "occurred_at": row.occurred_at,
    }


@snapshot_part("incidents")
def _incidents_snapshot(conn: Connection, _view: str, _settings: Settings) -> list[dict[str, Any]]:
    members, sealed = extras(conn)
    rows = conn.execute(select(incidents).order_by(incidents.c.year, incidents.c.seq))
    return [incident_row(r, members, sealed) for r in rows]


@snapshot_part("notes")
def _notes_snapshot(conn: Connection, _view: str, _settings: Settings) -> list[dict[str, Any]]:
    rows = conn.execute(select(incident_notes).order_by(incident_notes.c.position))
    return [note_row(r) for r in rows]


_MEMBERS_OF = select(incident_members.c.user_id).where(incident_members.c.incident_id == bindparam("id"))
_CONFIDENTIAL_OF = select(incident_confidential.c["values"]).where(
    incident_confidential.c.incident_id == bindparam("id")
)


def load_matter(conn: Connection, args: Any, _ctx: Context) -> Matter | None:
    """The incident's status, members and recorded confidential fields (and whether the user exists)."""
    query = select(incidents.c.status, incidents.c.registered_by).where(incidents.c.id == args.incident_id)
    row = conn.execute(query).first()
    if row is None:
        return None
    # Whoever registered the incident is involved in it, as are the people assigned to it.
    members = frozenset(conn.scalars(_MEMBERS_OF, {"id": args.incident_id})) | {row.registered_by}
    values = conn.scalar(_CONFIDENTIAL_OF, {"id": args.incident_id})
    user_id = getattr(args, "user_id", None)
    user_roles = conn.scalar(select(users.c.roles).where(users.c.id == user_id)) if user_id else None
    return Matter(
        incident_id=args.incident_id,
        status=IncidentStatus(row.status),
        members=members,
        fields=frozenset(json.loads(values)) if values else frozenset(),
        user_exists=user_id is None or user_roles is not None,
        user_roles=frozenset(user_roles.split(",")) if user_roles else frozenset(),
    )


def confidential_values(conn: Connection, incident_id: str) -> dict[str, Any]:
    """The confidential values of an incident (callers have logged the reveal first)."""
    values = conn.scalar(_CONFIDENTIAL_OF, {"id": incident_id})
    loaded: dict[str, Any] = json.loads(values) if values else {}
    return loaded


@projector("incident.confidential_recorded")
def _confidential(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ConfidentialRecorded)
    merged = {**confidential_values(conn, p.incident_id), **p.values}
    values = json.dumps(merged, ensure_ascii=False, sort_keys=True)
    updated = conn.execute(
        update(incident_confidential)
        .where(incident_confidential.c.incident_id == p.incident_id)
        .values(values=values, last_position=event.position)
    )
    if updated.rowcount == 0:
        conn.execute(
            insert(incident_confidential).values(
                incident_id=p.incident_id, values=values, last_position=event.position
            )
        )


@projector("incident.member_assigned")
def _assigned(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, MemberAssigned)
    conn.execute(
        insert(incident_members).values(incident_id=p.incident_id, user_id=p.user_id, position=event.position)
    )


@projector("incident.member_unassigned")
def _unassigned(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, MemberUnassigned)
    conn.execute(
        delete(incident_members).where(
            incident_members.c.incident_id == p.incident_id, incident_members.c.user_id == p.user_id
        )
    )


def extras(conn: Connection) -> tuple[dict[str, list[str]], set[str]]:
    """Who is assigned to each incident, and which incidents have confidential parts (no values)."""
    members: dict[str, list[str]] = {}
    for row in conn.execute(select(incident_members).order_by(incident_members.c.position)):
        members.setdefault(row.incident_id, []).append(row.user_id)
    sealed = set(conn.scalars(select(incident_confidential.c.incident_id)))
    return members, sealed
