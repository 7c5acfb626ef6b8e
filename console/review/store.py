"""What the review reads from the log: an incident's events, the organisation's, and the chain around them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from review.bundle import ChainEntry

from .. import eventlog
from ..events import RecordedEvent
from ..incidents.events import stream_of
from ..incidents.tables import incidents
from ..tables import events

# Events of the whole organisation that the review reads too (names, the roster as it was).
ORGANISATION_TYPES = frozenset({"org.imported", "place.added", "roster.changed"})


@dataclass(frozen=True)
class IncidentLog:
    incident_id: str
    number: str
    events: list[RecordedEvent]


async def incident_by_number(conn: AsyncConnection, number: str) -> tuple[str, str] | None:
    row = (
        await conn.execute(select(incidents.c.id, incidents.c.number).where(incidents.c.number == number))
    ).first()
    return (row.id, row.number) if row is not None else None


def _belongs(event: RecordedEvent, incident_id: str, stream: str) -> bool:
    if event.stream == stream or event.type in ORGANISATION_TYPES:
        return True
    # responder moves and roll calls sit in the people's streams and name the incident in their payload
    return '"incident_id"' in event.payload_json and event.data.get("incident_id") == incident_id


async def incident_log(conn: AsyncConnection, incident_id: str, number: str) -> IncidentLog:
    """The incident's events and the organisation's, in position order (one scan of the log)."""
    stream = stream_of(incident_id)
    found = [e async for e in eventlog.iterate(conn) if _belongs(e, incident_id, stream)]
    return IncidentLog(incident_id, number, found)


async def chain_from(conn: AsyncConnection, position: int) -> list[ChainEntry]:
    """Every chain entry from `position` to the head."""
    rows = await conn.execute(
        select(events.c.position, events.c.prev_hash, events.c.hash)
        .where(events.c.position >= position)
        .order_by(events.c.position)
    )
    return [ChainEntry(r.position, r.prev_hash, r.hash) for r in rows]
