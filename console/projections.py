"""Projections: tables kept in step with the log in the same transaction, and rebuilt from it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, delete, select
from sqlalchemy.engine import Connection

from .events import RecordedEvent

if TYPE_CHECKING:
    from .settings import Settings

# Projectors and snapshot parts are plain functions over a synchronous connection: the command
# writer runs them inside its transaction (see console.db.Database.run_write), readers via run_sync.
Projector = Callable[[Connection, RecordedEvent], None]
# A part is given the process's settings: what it shows may depend on them (grading thresholds).
SnapshotPart = Callable[[Connection, str, "Settings"], Any]

PROJECTORS: dict[str, list[Projector]] = {}
PROJECTION_TABLES: list[Table] = []
SNAPSHOT_PARTS: dict[str, SnapshotPart] = {}


def projector(*event_types: str) -> Callable[[Projector], Projector]:
    """Decorator: run this function for every event of these types, inside the writing transaction."""

    def register(fn: Projector) -> Projector:
        for name in event_types:
            PROJECTORS.setdefault(name, []).append(fn)
        return fn

    return register


def projection_tables(*tables: Table) -> None:
    """Declare tables that are pure projections: `rebuild` empties and refills them."""
    PROJECTION_TABLES.extend(t for t in tables if t not in PROJECTION_TABLES)


def snapshot_part(name: str) -> Callable[[SnapshotPart], SnapshotPart]:
    """Decorator: contribute `name` to the snapshot a client gets when it cannot resume."""

    def register(fn: SnapshotPart) -> SnapshotPart:
        SNAPSHOT_PARTS[name] = fn
        return fn

    return register


def apply(conn: Connection, events: Sequence[RecordedEvent]) -> None:
    """Update every projection for these events (caller holds the write transaction)."""
    for event in events:
        for fn in PROJECTORS.get(event.type, ()):
            fn(conn, event)


def snapshot(conn: Connection, view: str, settings: Settings) -> dict[str, Any]:
    """The current state a client of this view may see, read in the caller's transaction."""
    return {name: part(conn, view, settings) for name, part in SNAPSHOT_PARTS.items()}


def clear(conn: Connection) -> None:
    for table in PROJECTION_TABLES:
        conn.execute(delete(table))


def dump(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every projection row, in primary-key order: what `rebuild` must reproduce exactly."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in PROJECTION_TABLES:
        rows = conn.execute(select(table).order_by(*table.primary_key.columns))
        out[table.name] = [tuple(r) for r in rows]
    return out
