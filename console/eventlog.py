"""The append-only event log: positions, the hash chain, reading and verifying."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utc_iso
from .commands import Actor
from .events import EventPayload, NewEvent, RecordedEvent, canonical_json
from .tables import events, log_head, meta

GENESIS = "0" * 64


@dataclass
class Head:
    """The last position and hash, read under the writer's lock and moved forward as events append."""

    position: int
    hash: str


# The write path's statements are built once: building one costs more than running it (measured).
_READ_HEAD = select(log_head.c.position, log_head.c.hash).where(log_head.c.id == 1)
_LOCK_HEAD = _READ_HEAD.with_for_update()
_SAVE_HEAD = update(log_head).where(log_head.c.id == 1).values(position=bindparam("p"), hash=bindparam("h"))
_INSERT_EVENTS = insert(events)
# On PostgreSQL the wake-up rides on the same statement: it is delivered only if the transaction commits.
_SAVE_HEAD_AND_NOTIFY = text(
    "WITH moved AS (UPDATE log_head SET position = :p, hash = :h WHERE id = 1 RETURNING position) "
    "SELECT pg_notify(:channel, (SELECT position FROM moved)::text)"
)
NOTIFY_CHANNEL = "console_events"


def lock_head(conn: Connection) -> Head:
    """Lock the log head for this transaction; every writer queues here, so positions follow commits."""
    # On SQLite the writer's BEGIN IMMEDIATE already holds the database's write lock.
    query = _LOCK_HEAD if conn.dialect.name == "postgresql" else _READ_HEAD
    row = conn.execute(query).one()
    return Head(position=row.position, hash=row.hash)


def save_head(conn: Connection, head: Head) -> None:
    """Move the head (and on PostgreSQL wake the other processes, carrying only the position)."""
    if conn.dialect.name == "postgresql":
        conn.execute(_SAVE_HEAD_AND_NOTIFY, {"p": head.position, "h": head.hash, "channel": NOTIFY_CHANNEL})
    else:
        conn.execute(_SAVE_HEAD, {"p": head.position, "h": head.hash})


def seal(
    head: Head,
    drafts: Sequence[NewEvent],
    *,
    actor: Actor,
    recorded_at: datetime,
    occurred_at: datetime,
    command_id: str | None,
) -> list[RecordedEvent]:
    """Give drafts their positions and hashes, advancing `head` (pure)."""
    sealed: list[RecordedEvent] = []
    recorded = utc_iso(recorded_at)
    for draft in drafts:
        data, text, literal = _encoded(draft.payload)
        fields = (
            head.position + 1,
            draft.stream,
            draft.payload.event_type,
            actor.id,
            actor.name,
            utc_iso(draft.occurred_at or occurred_at),
            recorded,
            draft.visibility,
            command_id,
        )
        # RecordedEvent.hash_material exactly. A payload with pinned parts comes with its text as a JSON
        # string, made from their kept forms: canonical_json of a list is its members' texts between
        # brackets, so that literal goes in its place instead of the whole text being escaped again.
        if literal is None:
            material = canonical_json([*fields, text, head.hash])
        else:
            material = f"{canonical_json(fields)[:-1]},{literal},{canonical_json(head.hash)}]"
        event = RecordedEvent(
            *fields,
            payload_json=text,
            prev_hash=head.hash,
            hash=hashlib.sha256(material.encode()).hexdigest(),
        )
        # The projectors read `payload`: hand them the object just encoded instead of decoding the JSON
        # again (a registration carries its pinned playbook, and validating that costs more than the rest).
        event.__dict__["payload"] = draft.payload
        event.__dict__["data"] = data  # what the wire form is built from, likewise
        sealed.append(event)
        head.position, head.hash = event.position, event.hash
    return sealed


# Pinned parts already dumped and encoded, by identity (holding the object, so its id is not reused while
# listed): a registration carries the library's playbook and the policy book in force, the same objects
# for every registration until they change, and encoding them again was most of sealing one. With each,
# its text as it stands inside a JSON string (the hash covers the payload's text as one).
_PINNED_PARTS: dict[int, tuple[object, Any, str, str]] = {}
_PINNED_PARTS_MAX = 256


def _in_string(text: str) -> str:
    """`text` as it stands between the quotes of a JSON string (`canonical_json(text)` without them).
    Characters are escaped one by one, so the form of a concatenation is the concatenation of the forms."""
    return canonical_json(text)[1:-1]


def encoded(payload: EventPayload) -> tuple[dict[str, Any], str]:
    """The payload's JSON data and its canonical text (`canonical_json` of the data, exactly)."""
    data, text, _literal = _encoded(payload)
    return data, text


def _encoded(payload: EventPayload) -> tuple[dict[str, Any], str, str | None]:
    """`encoded`, and for a payload with pinned fields its text as a JSON string (`canonical_json(text)`,
    exactly)."""
    pinned = type(payload).pinned_fields
    if not pinned:
        data: dict[str, Any] = payload.model_dump(mode="json")
        return data, canonical_json(data), None
    data = payload.model_dump(mode="json", exclude=set(pinned))
    texts: dict[str, tuple[str, str]] = {}
    for name in pinned:
        value = getattr(payload, name)
        if not isinstance(value, BaseModel):
            data[name] = value  # None: as model_dump gives it
            continue
        seen = _PINNED_PARTS.get(id(value))
        if seen is None or seen[0] is not value:
            dumped = value.model_dump(mode="json")
            part = canonical_json(dumped)
            seen = (value, dumped, part, _in_string(part))
            if len(_PINNED_PARTS) >= _PINNED_PARTS_MAX:
                _PINNED_PARTS.clear()
            _PINNED_PARTS[id(value)] = seen
        data[name], texts[name] = seen[1], (seen[2], seen[3])
    # canonical_json of a dict is its sorted members, each key and value encoded alike: the pinned
    # parts' texts are put in their places (and their forms inside a string in theirs).
    members: list[str] = []
    quoted: list[str] = []
    for k in sorted(data):
        if k in texts:
            part, inside = texts[k]
            member = f"{canonical_json(k)}:"
            members.append(member + part)
            quoted.append(_in_string(member) + inside)
        else:
            member = f"{canonical_json(k)}:{canonical_json(data[k])}"
            members.append(member)
            quoted.append(_in_string(member))
    return data, "{" + ",".join(members) + "}", '"{' + ",".join(quoted) + '}"'


def _fields(event: RecordedEvent) -> dict[str, object]:
    return {
        "position": event.position,
        "stream": event.stream,
        "type": event.type,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "visibility": event.visibility,
        "command_id": event.command_id,
        "payload_json": event.payload_json,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def insert_events(conn: Connection, sealed: Sequence[RecordedEvent]) -> None:
    if not sealed:
        return
    rows = []
    for e in sealed:
        row = _fields(e)
        row["payload"] = row.pop("payload_json")
        rows.append(row)
    conn.execute(_INSERT_EVENTS, rows)


def _from_row(row: object) -> RecordedEvent:
    r = row._mapping  # type: ignore[attr-defined]
    return RecordedEvent(
        position=r["position"],
        stream=r["stream"],
        type=r["type"],
        actor_id=r["actor_id"],
        actor_name=r["actor_name"],
        occurred_at=r["occurred_at"],
        recorded_at=r["recorded_at"],
        visibility=r["visibility"],
        command_id=r["command_id"],
        payload_json=r["payload"],
        prev_hash=r["prev_hash"],
        hash=r["hash"],
    )


async def read_after(conn: AsyncConnection, position: int, limit: int = 500) -> list[RecordedEvent]:
    """Events after `position`, in position order, at most `limit` of them."""
    rows = await conn.execute(
        select(events).where(events.c.position > position).order_by(events.c.position).limit(limit)
    )
    return [_from_row(r) for r in rows]


async def read_stream(
    conn: AsyncConnection, stream: str, limit: int = 2000, before: int | None = None
) -> list[RecordedEvent]:
    """The latest `limit` events of one stream (an incident's timeline) before a position, in order."""
    query = select(events).where(events.c.stream == stream)
    if before is not None:
        query = query.where(events.c.position < before)
    rows = await conn.execute(query.order_by(events.c.position.desc()).limit(limit))
    return [_from_row(r) for r in reversed(rows.all())]


def iterate_sync(conn: Connection, page: int = 1000) -> Iterator[RecordedEvent]:
    """Every event, page by page, on a synchronous connection (rebuild)."""
    after = 0
    while True:
        rows = conn.execute(
            select(events).where(events.c.position > after).order_by(events.c.position).limit(page)
        ).all()
        for row in rows:
            yield _from_row(row)
        if len(rows) < page:
            return
        after = rows[-1].position


async def iterate(conn: AsyncConnection, after: int = 0, page: int = 1000) -> AsyncIterator[RecordedEvent]:
    """Every event after `after`, page by page."""
    while True:
        batch = await read_after(conn, after, page)
        for event in batch:
            yield event
        if len(batch) < page:
            return
        after = batch[-1].position


async def payload_chars_after(conn: AsyncConnection, position: int) -> int:
    """How much payload text the events after a position hold (what replaying them would send, roughly)."""
    total = await conn.scalar(
        select(func.coalesce(func.sum(func.length(events.c.payload)), 0)).where(events.c.position > position)
    )
    return int(total or 0)


async def head_position(conn: AsyncConnection) -> int:
    return int(await conn.scalar(select(log_head.c.position).where(log_head.c.id == 1)) or 0)


async def epoch(conn: AsyncConnection) -> str:
    return str(await conn.scalar(select(meta.c.value).where(meta.c.key == "epoch")))


@dataclass(frozen=True)
class Verification:
    """The outcome of checking the chain: how many events, and the first broken position if any."""

    checked: int
    head: int
    broken_at: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


async def verify(conn: AsyncConnection) -> Verification:
    """Recompute every hash and link; name the first position where the chain breaks."""
    expected_prev, expected_pos, checked = GENESIS, 1, 0
    async for event in iterate(conn):
        if event.position != expected_pos:
            return Verification(checked, expected_pos - 1, expected_pos, "gap")
        if event.prev_hash != expected_prev:
            return Verification(checked, expected_pos - 1, event.position, "link")
        digest = hashlib.sha256(event.hash_material().encode()).hexdigest()
        if digest != event.hash:
            return Verification(checked, expected_pos - 1, event.position, "hash")
        expected_prev, expected_pos, checked = event.hash, expected_pos + 1, checked + 1
    head = await conn.execute(select(log_head.c.position, log_head.c.hash).where(log_head.c.id == 1))
    row = head.one()
    if row.position != checked or row.hash != expected_prev:
        return Verification(checked, checked, checked + 1 if row.position > checked else checked, "head")
    return Verification(checked, checked, None)
