"""The command service: one generic unit of work for every command.

authorise → load state → decide (pure, in the domain) → append events + projections → commit → publish.

Commands wait in a queue and one writer task takes them in batches: every command of a batch shares
one transaction and one commit (group commit), so a burst of commands costs one disk flush, not one
each, and position order is commit order by construction.

Bulk bookkeeping that no one is waiting to see (the alert sender's records of its attempts) is submitted
`background=True`: it waits in a queue of its own and is written in a batch of its own when no other
command waits, so a person's command never shares a transaction with, or queues behind, a batch of it
(issue 13: sending must not slow the live screens). It is not starved: after BACKGROUND_AFTER batches in
a row while it waited, one background command goes next.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import Connection

from . import eventlog
from .clock import Clock, utc_iso
from .commands import Actor, CommandEnvelope, Context
from .db import Database
from .errors import ConsoleError, Forbidden, InvalidInput
from .events import RecordedEvent
from .metrics import COMMAND_LATENCY, EVENTS_APPENDED
from .registry import Registry
from .settings import Settings
from .tables import commands, log_head

log = logging.getLogger("console.service")

# The head of the log (eventlog.lock_head) and the batch's already-accepted commands, in one round trip:
# one row per known id, or a single row with no command when none is known. On PostgreSQL the head row is
# locked for the transaction (every writer queues here, so positions follow commits); on SQLite the
# writer's BEGIN IMMEDIATE already holds the database's write lock.
_HEAD_AND_KNOWN = (
    select(log_head.c.position.label("head_position"), log_head.c.hash.label("head_hash"), *commands.c)
    .select_from(log_head.outerjoin(commands, commands.c.id.in_(bindparam("ids", expanding=True))))
    .where(log_head.c.id == 1)
)
_LOCK_HEAD_AND_KNOWN = _HEAD_AND_KNOWN.with_for_update(of=log_head)
_INSERT_COMMANDS = insert(commands)
MAX_BATCH = 256
# What `json.dumps(result, ensure_ascii=False)` gives, without making an encoder for every command.
_RESULT_JSON = json.JSONEncoder(ensure_ascii=False)
# Foreground batches written in a row while a background command waits, before it goes next.
BACKGROUND_AFTER = 8
# A device may report a time a little ahead of ours (clock skew); more than this is refused.
CLOCK_SKEW = timedelta(minutes=2)


@dataclass(frozen=True)
class CommandResult:
    """What the client is told: accepted (with positions and result) or refused (with an error code)."""

    command_id: str
    ok: bool
    result: dict[str, Any] = field(default_factory=dict)
    first_position: int | None = None
    last_position: int | None = None
    error: ConsoleError | None = None
    duplicate: bool = False

    def to_dict(self, locale: str | None, messages: Mapping[str, str]) -> dict[str, Any]:
        if self.ok:
            return {
                "id": self.command_id,
                "ok": True,
                "result": self.result,
                "position": self.last_position,
                "duplicate": self.duplicate,
            }
        assert self.error is not None
        return {"id": self.command_id, "ok": False, "error": self.error.to_dict(locale, messages)}


def validation_detail(exc: ValidationError) -> str:
    """A short description naming the fields at fault, never their values."""
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "-"
        parts.append(f"{loc}: {err['type']}")
    return "; ".join(parts)


def parse_envelope(raw: Any) -> CommandEnvelope:
    """Parse a command envelope, raising a translated error for anything malformed."""
    try:
        return CommandEnvelope.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput("invalid_command", detail=validation_detail(exc)) from None


@dataclass
class _Pending:
    envelope: CommandEnvelope
    actor: Actor
    future: asyncio.Future[CommandResult]
    started: float
    events: list[RecordedEvent] = field(default_factory=list)
    result: CommandResult | None = None
    background: bool = False


class CommandService:
    """Accepts commands from HTTP and WebSocket handlers and writes them durably, in batches."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        on_commit: Callable[[Sequence[RecordedEvent]], None],
        registry: Registry,
    ) -> None:
        self.db = db
        self.registry = registry
        self.settings = settings
        self.clock = clock
        self.on_commit = on_commit
        self._queue: deque[_Pending] = deque()
        self._background: deque[_Pending] = deque()
        self._arrived = asyncio.Event()
        self._passed_over = 0  # foreground batches written while a background command waited
        # When a person's batch was last published (time.monotonic), and whether one is being written.
        self._person_published = 0.0
        self._person_writing = False
        self._task: asyncio.Task[None] | None = None
        # True while a batch is being written (console.follower waits for it rather than read the log).
        self.writing = False
        # Which events some live connection limited to units may see (督查范围; console.runtime wires
        # Hub.needs_unit): only their units are read, so a console without inspectors online pays nothing.
        self.needs_unit: Callable[[RecordedEvent], bool] = lambda _event: False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="command-writer")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def submit(
        self, envelope: CommandEnvelope, actor: Actor, *, internal: bool = False, background: bool = False
    ) -> CommandResult:
        """Queue a command and wait until it is committed (or refused). `background`: bookkeeping that
        gives way to every other command (module docstring)."""
        spec = self.registry.commands.get(envelope.name)
        if spec is None or (spec.internal and not internal):
            return CommandResult(
                envelope.id, False, error=InvalidInput("unknown_command", name=envelope.name)
            )
        if not self.registry.allowed(actor.roles, spec.permission):
            return CommandResult(envelope.id, False, error=Forbidden())
        loop = asyncio.get_running_loop()
        pending = _Pending(envelope, actor, loop.create_future(), time.perf_counter(), background=background)
        (self._background if background else self._queue).append(pending)
        self._arrived.set()
        return await pending.future

    async def _next_batch(self) -> list[_Pending]:
        """What the writer writes next, once something waits (`_take`)."""
        while not (self._queue or self._background):
            self._arrived.clear()
            await self._arrived.wait()
        return self._take()

    def _background_next(self) -> bool:
        """Whether a background command goes next: none of a person's waits, or it has given way
        BACKGROUND_AFTER times."""
        return bool(self._background) and (not self._queue or self._passed_over >= BACKGROUND_AFTER)

    def _take(self) -> list[_Pending]:
        """The waiting commands (up to MAX_BATCH), or one background command alone (`_background_next`)."""
        if self._background_next():
            self._passed_over = 0
            return [self._background.popleft()]
        if self._background:
            self._passed_over += 1
        queue = self._queue
        return [queue.popleft() for _ in range(min(MAX_BATCH, len(queue)))]

    async def _run(self) -> None:
        """Write a batch, then publish it. When a person's commands already wait as a batch is
        committed, the next batch's write begins before that one is published: on SQLite the writer's
        thread writes (its statements and its fsync release the GIL) while the event loop fans the last
        batch out, so a command that arrived during a write waits for that write alone, not for its
        fan-out too. Publishing keeps commit order: a batch is published, and its results given, after
        the one before it."""
        batch = await self._next_batch()
        self.writing = True
        write = self._begin(batch)
        try:
            while True:
                committed = await write
                # Only a person's command goes ahead of the publish: bookkeeping written meanwhile
                # would take the GIL from the fan-out it waits behind anyway.
                following = self._take() if self._queue and not self._background_next() else None
                if following is not None:
                    write = self._begin(following)
                self._publish(batch, committed)
                if following is None:
                    self.writing = False
                    following = await self._next_batch()
                    self.writing = True
                    write = self._begin(following)
                batch = following
        finally:
            self.writing = False
            write.cancel()

    def _begin(self, batch: list[_Pending]) -> asyncio.Future[list[RecordedEvent]]:
        """Start writing a batch now (on SQLite it is on the writer's thread when this returns)."""
        self._person_writing = not batch[0].background
        return asyncio.ensure_future(self._commit(batch, self._transaction(batch)))

    async def _commit(
        self, batch: list[_Pending], first: Awaitable[list[RecordedEvent]]
    ) -> list[RecordedEvent]:
        try:
            return await first
        except Exception:
            log.exception("batch_failed", extra={"batch": len(batch)})
            # One bad command must not sink the others: retry each in a transaction of its own.
            committed: list[RecordedEvent] = []
            for item in batch:
                item.events, item.result = [], None
                try:
                    committed += await self._transaction([item])
                except Exception:
                    log.exception("command_failed", extra={"command": item.envelope.name})
                    item.result = CommandResult(item.envelope.id, False, error=ConsoleError("internal"))
            return committed

    def _publish(self, batch: list[_Pending], committed: list[RecordedEvent]) -> None:
        # Commit, then publish: subscribers only ever hear of committed events. The hand-over happens after
        # every batch, even one that appended nothing (console.follower waits for it).
        if committed:
            EVENTS_APPENDED.inc(len(committed))
        self.on_commit(committed)
        for item in batch:
            assert item.result is not None
            COMMAND_LATENCY.observe(time.perf_counter() - item.started)
            if not item.future.done():
                item.future.set_result(item.result)
        if not batch[0].background:
            self._person_published = time.monotonic()

    async def give_way(self, gap: float, most: float) -> None:
        """Wait until no person's command has waited, been written or been published for `gap` seconds,
        for `most` seconds at the longest: bookkeeping that would share the process's CPU (and GIL)
        with a person's command and its fan-out starts in the pause after it (the alert sender's claims
        and records, console.alerts.timer). Never longer than `most`: a steady stream of commands
        slows the bookkeeping down, it never stops it."""
        deadline = time.monotonic() + most
        while True:
            now = time.monotonic()
            busy = bool(self._queue) or (self.writing and self._person_writing)
            wait = gap if busy else self._person_published + gap - now
            if wait <= 0 or now >= deadline:
                return
            await asyncio.sleep(min(wait, deadline - now))

    def _transaction(self, batch: list[_Pending]) -> Awaitable[list[RecordedEvent]]:
        return self.db.write_soon(self._batch, batch)

    def _batch(self, conn: Connection, batch: list[_Pending]) -> list[RecordedEvent]:
        """One transaction for the whole batch (runs on the writer: no awaits, one round trip per statement).

        Statements are what a command costs, so everything that can be done once per batch is: the id
        lookup, the event and command inserts, the head update, and what the domains' loads read
        (`batch_commands`: a domain may read it for every command of the batch at once).
        """
        appended: list[RecordedEvent] = []
        accepted: list[dict[str, Any]] = []
        head, known = self._head_and_known(conn, [item.envelope.id for item in batch])
        start = head.position
        self.registry.batch_started(conn, head.hash)
        self.registry.batch_commands(conn, [item.envelope for item in batch if item.envelope.id not in known])
        for item in batch:
            item.events = []
            item.result = self._one(conn, head, item, known, accepted)
            appended += item.events
        self.registry.batch_sealed(conn, head.hash)
        if accepted:
            eventlog.insert_events(conn, appended)
            conn.execute(_INSERT_COMMANDS, accepted)
        if head.position != start:
            eventlog.save_head(conn, head)
        return appended

    def _one(
        self,
        conn: Connection,
        head: eventlog.Head,
        item: _Pending,
        known: dict[str, dict[str, Any]],
        accepted: list[dict[str, Any]],
    ) -> CommandResult:
        env, actor = item.envelope, item.actor
        if env.id in known:
            return self._previous(known[env.id], env, actor)
        spec = self.registry.commands[env.name]
        now = self.clock.now()
        occurred = env.occurred_at or now
        try:
            if occurred > now + CLOCK_SKEW:
                raise InvalidInput("occurred_in_future")
            args = spec.args.model_validate(env.args)
            ctx = Context(
                now=now,
                occurred_at=min(occurred, now),
                actor=actor,
                new_id=uuid.uuid4().hex,
                settings=self.settings,
            )
            self.registry.guard(conn, args, actor)
            state = spec.load(conn, args, ctx)
            decision = spec.decide(state, args, ctx)
        except ValidationError as exc:
            return CommandResult(
                env.id, False, error=InvalidInput("invalid_command", detail=validation_detail(exc))
            )
        except ConsoleError as exc:
            # Refusals change nothing and are not remembered: a retry is judged afresh.
            return CommandResult(env.id, False, error=exc)
        sealed = eventlog.seal(
            head,
            self.registry.classify(conn, decision.events),
            actor=actor,
            recorded_at=now,
            occurred_at=ctx.occurred_at,
            command_id=env.id,
        )
        self.registry.apply(conn, sealed)
        self.registry.note_units(conn, sealed, self.needs_unit)
        first = sealed[0].position if sealed else None
        last = sealed[-1].position if sealed else None
        result = dict(decision.result)
        record = {
            "id": env.id,
            "actor_id": actor.id,
            "name": env.name,
            "first_position": first,
            "last_position": last,
            "result": _RESULT_JSON.encode(result),
            "recorded_at": utc_iso(now),
        }
        accepted.append(record)
        known[env.id] = record  # the same id again in this batch is a repeat too
        item.events = sealed
        return CommandResult(env.id, True, result, first, last)

    @staticmethod
    def _head_and_known(conn: Connection, ids: list[str]) -> tuple[eventlog.Head, dict[str, dict[str, Any]]]:
        """Lock the log head, and find the accepted commands among these ids: one statement per batch."""
        query = _LOCK_HEAD_AND_KNOWN if conn.dialect.name == "postgresql" else _HEAD_AND_KNOWN
        rows = conn.execute(query, {"ids": sorted(set(ids))}).all()
        head = eventlog.Head(position=rows[0].head_position, hash=rows[0].head_hash)
        known = {row.id: {c.name: row._mapping[c] for c in commands.c} for row in rows if row.id is not None}
        return head, known

    @staticmethod
    def _previous(record: dict[str, Any], env: CommandEnvelope, actor: Actor) -> CommandResult:
        if record["actor_id"] != actor.id:
            return CommandResult(env.id, False, error=ConsoleError("command_id_conflict"))
        return CommandResult(
            env.id,
            True,
            json.loads(record["result"]),
            record["first_position"],
            record["last_position"],
            duplicate=True,
        )
