"""The incident domain's read models: the board's and the room's rows, notes, the access register."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, func, select
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


# What a screen shows (issue 9, bounded reads): a snapshot carries every open incident, the most
# recently closed ones and the latest notes of each open incident; pages carry the latest notes and
# history. The rest is paged (notes_page, and the stream's history through console.eventlog).
SNAPSHOT_CLOSED = 50
SNAPSHOT_NOTES_PER_INCIDENT = 20
PAGE_DEFAULT = 100
PAGE_MAX = 1000


def extras(conn: Connection, ids: list[str] | None = None) -> tuple[dict[str, list[str]], set[str]]:
    """Who is assigned to each incident, and which incidents have confidential parts (no values).

    Of these incidents only, when given (a snapshot reads what it shows, not every matter ever held).
    """
    members: dict[str, list[str]] = {}
    member_rows = select(incident_members).order_by(incident_members.c.position)
    sealed_ids = select(incident_confidential.c.incident_id)
    if ids is not None:
        member_rows = member_rows.where(incident_members.c.incident_id.in_(ids))
        sealed_ids = sealed_ids.where(incident_confidential.c.incident_id.in_(ids))
    for row in conn.execute(member_rows):
        members.setdefault(row.incident_id, []).append(row.user_id)
    return members, set(conn.scalars(sealed_ids))


def _shown_incidents(conn: Connection) -> list[Any]:
    """Every open incident and the most recently closed ones, in number order."""
    open_rows = conn.execute(select(incidents).where(incidents.c.status == "open")).all()
    closed_rows = conn.execute(
        select(incidents)
        .where(incidents.c.status == "closed")
        .order_by(incidents.c.closed_at.desc(), incidents.c.id)
        .limit(SNAPSHOT_CLOSED)
    ).all()
    return sorted([*open_rows, *closed_rows], key=lambda r: (r.year, r.seq))


def _incidents_snapshot(conn: Connection, _view: str, _settings: Settings) -> list[dict[str, Any]]:
    rows = _shown_incidents(conn)
    members, sealed = extras(conn, [r.id for r in rows])
    return [incident_row(r, members, sealed) for r in rows]


def _notes_snapshot(conn: Connection, _view: str, _settings: Settings) -> list[dict[str, Any]]:
    # The latest notes of each open incident (older ones: GET /api/incidents/{id}/notes).
    rank = (
        func.row_number()
        .over(partition_by=incident_notes.c.incident_id, order_by=incident_notes.c.position.desc())
        .label("rank")
    )
    open_ids = select(incidents.c.id).where(incidents.c.status == "open")
    ranked = select(incident_notes, rank).where(incident_notes.c.incident_id.in_(open_ids)).subquery("ranked")
    rows = conn.execute(
        select(ranked).where(ranked.c.rank <= SNAPSHOT_NOTES_PER_INCIDENT).order_by(ranked.c.position)
    )
    return [note_row(r) for r in rows]


def page_limit(raw: str | None) -> int:
    """A page size asked for (?limit=), within bounds; ValueError on anything but digits."""
    if raw is None:
        return PAGE_DEFAULT
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(raw)
    return max(1, min(PAGE_MAX, int(raw)))


def notes_page(
    conn: Connection, incident_id: str, before: int | None, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """The latest `limit` notes of an incident before a position, oldest first, and whether more precede."""
    query = select(incident_notes).where(incident_notes.c.incident_id == incident_id)
    if before is not None:
        query = query.where(incident_notes.c.position < before)
    rows = conn.execute(query.order_by(incident_notes.c.position.desc()).limit(limit + 1)).all()
    return [note_row(r) for r in reversed(rows[:limit])], len(rows) > limit


def incidents_list(conn: Connection, status: str | None) -> list[dict[str, Any]]:
    """The board's incidents, newest first, optionally only the open or the closed ones."""
    query = select(incidents).order_by(incidents.c.year.desc(), incidents.c.seq.desc())
    if status in ("open", "closed"):
        query = query.where(incidents.c.status == status)
    members, sealed = extras(conn)
    return [incident_row(r, members, sealed) for r in conn.execute(query)]


def incident_with_notes(
    conn: Connection, incident_id: str, limit: int = PAGE_DEFAULT
) -> tuple[dict[str, Any], list[dict[str, Any]], bool] | None:
    """One incident (who is assigned, whether it has sealed parts), its latest notes in order, and
    whether older notes precede them."""
    row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
    if row is None:
        return None
    members, sealed = extras(conn, [incident_id])
    notes, more = notes_page(conn, incident_id, None, limit)
    return incident_row(row, members, sealed), notes, more


def incident_exists(conn: Connection, incident_id: str) -> bool:
    return (
        conn.scalar(select(incidents.c.id).where(incidents.c.id == bindparam("id")), {"id": incident_id})
        is not None
    )


def incident_numbers(conn: Connection) -> dict[str, str]:
    """Incident id -> its number (XF-2026-0007)."""
    return {r.id: r.number for r in conn.execute(select(incidents.c.id, incidents.c.number))}


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
