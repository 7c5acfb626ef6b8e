"""The incident domain's read models: the board's and the room's rows, notes, the access register."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from ..settings import Settings
from ..tables import events, users
from .events import ConfidentialViewed
from .tables import incident_confidential, incident_members, incident_notes, incidents


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


def extras(conn: Connection) -> tuple[dict[str, list[str]], set[str]]:
    """Who is assigned to each incident, and which incidents have confidential parts (no values)."""
    members: dict[str, list[str]] = {}
    for row in conn.execute(select(incident_members).order_by(incident_members.c.position)):
        members.setdefault(row.incident_id, []).append(row.user_id)
    sealed = set(conn.scalars(select(incident_confidential.c.incident_id)))
    return members, sealed


def _incidents_snapshot(conn: Connection, _view: str, _settings: Settings) -> list[dict[str, Any]]:
    members, sealed = extras(conn)
    rows = conn.execute(select(incidents).order_by(incidents.c.year, incidents.c.seq))
    return [incident_row(r, members, sealed) for r in rows]


def _notes_snapshot(conn: Connection, _view: str, _settings: Settings) -> list[dict[str, Any]]:
    rows = conn.execute(select(incident_notes).order_by(incident_notes.c.position))
    return [note_row(r) for r in rows]


def incidents_list(conn: Connection, status: str | None) -> list[dict[str, Any]]:
    """The board's incidents, newest first, optionally only the open or the closed ones."""
    query = select(incidents).order_by(incidents.c.year.desc(), incidents.c.seq.desc())
    if status in ("open", "closed"):
        query = query.where(incidents.c.status == status)
    members, sealed = extras(conn)
    return [incident_row(r, members, sealed) for r in conn.execute(query)]


def incident_with_notes(
    conn: Connection, incident_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """One incident (with who is assigned and whether it has sealed parts) and its notes in order."""
    row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
    if row is None:
        return None
    members, sealed = extras(conn)
    notes = conn.execute(
        select(incident_notes)
        .where(incident_notes.c.incident_id == incident_id)
        .order_by(incident_notes.c.position)
    )
    return incident_row(row, members, sealed), [note_row(n) for n in notes]


def incident_exists(conn: Connection, incident_id: str) -> bool:
    return (
        conn.scalar(select(incidents.c.id).where(incidents.c.id == bindparam("id")), {"id": incident_id})
        is not None
    )


def incident_numbers(conn: Connection) -> dict[str, str]:
    """Incident id -> its number (XF-2026-0007)."""
    return dict(conn.execute(select(incidents.c.id, incidents.c.number)).tuples().all())


def people_names(conn: Connection, ids: set[str] | None) -> dict[str, str]:
    """Display names by user id: of these users, or of everyone (for those who may assign)."""
    query = select(users.c.id, users.c.display_name)
    if ids is not None:
        query = query.where(users.c.id.in_(sorted(ids)))
    return {row.id: row.display_name for row in conn.execute(query)}


def access_register(conn: Connection, limit: int = 1000) -> list[dict[str, Any]]:
    """借阅登记: every reveal of confidential parts, newest first."""
    query = (
        select(
            events.c.position, events.c.actor_id, events.c.actor_name, events.c.recorded_at, events.c.payload
        )
        .where(events.c.type == ConfidentialViewed.event_type)
        .order_by(events.c.position.desc())
        .limit(limit)
    )
    rows = conn.execute(query).all()
    numbers = incident_numbers(conn)
    entries = []
    for row in rows:
        payload = json.loads(row.payload)
        entries.append(
            {
                "position": row.position,
                "actor": {"id": row.actor_id, "name": row.actor_name},
                "recorded_at": row.recorded_at,
                "incident_id": payload["incident_id"],
                "incident_number": numbers.get(payload["incident_id"]),
                "fields": payload["fields"],
            }
        )
    return entries


SNAPSHOT_PARTS = {"incidents": _incidents_snapshot, "notes": _notes_snapshot}
