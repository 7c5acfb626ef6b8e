"""Incidents at the edge: loading state for decisions, projecting events, the snapshot part."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from ..commands import CommandArgs, Context
from ..events import RecordedEvent
from ..projections import projection_tables, projector, snapshot_part
from ..tables import incident_notes, incidents
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

projection_tables(incident_notes, incidents)


def load_numbering(conn: Connection, _args: CommandArgs, ctx: Context) -> Numbering:
    """The next number of the year; safe because the writer holds the log lock."""
    year = local_year(ctx.now, ctx)
    top = conn.scalar(select(func.max(incidents.c.seq)).where(incidents.c.year == year))
    return Numbering(year=year, next_seq=(top or 0) + 1)


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


def incident_row(row: Any) -> dict[str, Any]:
    """The protocol/API form of an incident projection row."""
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
def _incidents_snapshot(conn: Connection, _view: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(incidents).order_by(incidents.c.year, incidents.c.seq))
    return [incident_row(r) for r in rows]


@snapshot_part("notes")
def _notes_snapshot(conn: Connection, _view: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(incident_notes).order_by(incident_notes.c.position))
    return [note_row(r) for r in rows]
