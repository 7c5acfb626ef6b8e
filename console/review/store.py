"""What the review reads from the log: an incident's events, the organisation's, and the chain around them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from review.bundle import ChainEntry

from .. import eventlog
from ..commands import Context
from ..events import EventPayload, RecordedEvent, canonical_json
from ..incidents.events import stream_of
from ..incidents.tables import incidents
from ..registry import Projector
from ..tables import events
from .decide import ReviewState
from .events import ActionAdded, ActionCompleted, FindingAdded, review_stream
from .tables import review_actions, review_findings

# Events of the whole organisation that the review reads too (names, the roster as it was).
ORGANISATION_TYPES = frozenset({"org.imported", "place.added", "roster.changed"})


@dataclass(frozen=True)
class IncidentLog:
    incident_id: str
    number: str
    events: list[RecordedEvent]


async def incident_by_id(conn: AsyncConnection, incident_id: str) -> tuple[str, str] | None:
    row = (
        await conn.execute(select(incidents.c.id, incidents.c.number).where(incidents.c.id == incident_id))
    ).first()
    return (row.id, row.number) if row is not None else None


async def incident_by_number(conn: AsyncConnection, number: str) -> tuple[str, str] | None:
    row = (
        await conn.execute(select(incidents.c.id, incidents.c.number).where(incidents.c.number == number))
    ).first()
    return (row.id, row.number) if row is not None else None


# The events of other streams that name the incident in their payload (canonical JSON: no spaces).
_NAMING_TYPES = ("responder.moved", "rollcall.started", "rollcall.confirmed", "rollcall.overdue")


async def incident_log(conn: AsyncConnection, incident_id: str, number: str) -> IncidentLog:
    """The incident's events and the organisation's, in position order."""
    stream = stream_of(incident_id)
    naming = canonical_json({"incident_id": incident_id})[1:-1]
    query = (
        select(events)
        .where(
            or_(
                events.c.stream.in_((stream, review_stream(incident_id))),
                events.c.type.in_(ORGANISATION_TYPES),
                and_(events.c.type.in_(_NAMING_TYPES), events.c.payload.contains(naming, autoescape=True)),
            )
        )
        .order_by(events.c.position)
    )
    rows = await conn.execute(query)
    found = [
        e
        for e in map(eventlog._from_row, rows)
        # every event of the incident names it; the LIKE above may also match a mere mention
        if e.type in ORGANISATION_TYPES or e.data.get("incident_id") == incident_id
    ]
    return IncidentLog(incident_id, number, found)


async def chain_from(conn: AsyncConnection, position: int) -> list[ChainEntry]:
    """Every chain entry from `position` to the head."""
    rows = await conn.execute(
        select(events.c.position, events.c.prev_hash, events.c.hash)
        .where(events.c.position >= position)
        .order_by(events.c.position)
    )
    return [ChainEntry(r.position, r.prev_hash, r.hash) for r in rows]


# --- what decisions load, and the projectors ---------------------------------------------------


def load_review(conn: Connection, args: Any, _ctx: Context) -> ReviewState | None:
    """The incident's review state (None: no such incident)."""
    found = conn.execute(select(incidents.c.id).where(incidents.c.id == args.incident_id)).first()
    if found is None:
        return None
    findings = conn.execute(
        select(review_findings.c.finding_id).where(review_findings.c.incident_id == args.incident_id)
    )
    actions = conn.execute(
        select(review_actions.c.action_id, review_actions.c.done_at).where(
            review_actions.c.incident_id == args.incident_id
        )
    )
    return ReviewState(
        incident_id=args.incident_id,
        findings=frozenset(r.finding_id for r in findings),
        actions={r.action_id: r.done_at is not None for r in actions},
    )


def _finding(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, FindingAdded)
    conn.execute(
        insert(review_findings).values(
            finding_id=p.finding_id,
            incident_id=p.incident_id,
            text=p.text,
            added_by_name=event.actor_name,
            added_at=event.recorded_at,
            position=event.position,
        )
    )


def _action(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ActionAdded)
    conn.execute(
        insert(review_actions).values(
            action_id=p.action_id,
            incident_id=p.incident_id,
            finding_id=p.finding_id,
            text=p.text,
            owner=p.owner,
            due_at=p.due_at,
            added_by_name=event.actor_name,
            added_at=event.recorded_at,
            note="",
            position=event.position,
        )
    )


def _completed(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ActionCompleted)
    conn.execute(
        update(review_actions)
        .where(review_actions.c.action_id == p.action_id)
        .values(done_at=event.occurred_at, done_by_name=event.actor_name, note=p.note)
    )


PROJECTORS: dict[type[EventPayload], tuple[Projector, ...]] = {
    FindingAdded: (_finding,),
    ActionAdded: (_action,),
    ActionCompleted: (_completed,),
}
