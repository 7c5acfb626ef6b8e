"""Keeps the hub in step with the log: local commits, PostgreSQL wake-ups, and a slow poll.

The hub must publish every position once, in order. Local commits are handed over directly when they
follow on; anything else (another process's commits, a missed wake-up) is read from the log itself,
so a lost notification can delay an event but never lose or reorder it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from sqlalchemy.engine import Connection, make_url

from . import eventlog
from .db import Database
from .eventlog import NOTIFY_CHANNEL
from .events import RecordedEvent
from .hub import Hub
from .metrics import LISTENER_RECONNECTS

log = logging.getLogger("console.follower")


async def wait_set(event: asyncio.Event, seconds: float) -> bool:
    """Wait until the event is set or `seconds` pass; True if it was set.

    Not `asyncio.wait_for(event.wait(), …)`: on Python 3.11 that returns normally when a cancel arrives
    in the same loop step as the wake-up (a commit's `wake()` and `Runtime.stop`'s `cancel()`), so the
    cancel is lost and the loop runs on. `asyncio.timeout` cancels the task itself, so an outside cancel
    always comes through as CancelledError.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()


class Follower:
    def __init__(self, hub: Hub, db: Database, poll_seconds: float) -> None:
        self.hub = hub
        self.db = db
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        # Set when something asks for a read of the log (not only a PostgreSQL wake-up naming a position).
        self._must_read = False
        # The highest position a wake-up announced, and the hand-overs of this process's own writer.
        self._wanted = 0
        self._handed_over = asyncio.Event()
        # Whether this process's command writer has a batch in flight (console.runtime wires it).
        self.writing: Callable[[], bool] = lambda: False
        # Attaches each event's unit (Registry.note_units; console.runtime wires it).
        self.note_units: Callable[
            [Connection, Sequence[RecordedEvent], Callable[[RecordedEvent], bool]], None
        ] = lambda _c, _e, _needed: None

    def local(self, events: Sequence[RecordedEvent]) -> None:
        """Events this process just committed (called after every batch, even one that appended nothing)."""
        if not self.hub.publish(events):
            self.wake()
        self._handed_over.set()

    def wake(self) -> None:
        """Read the log now."""
        self._must_read = True
        self._wake.set()

    def notified(self, position: int | None) -> None:
        """A PostgreSQL wake-up: `position` was committed by some process (None: not said)."""
        if position is None:
            self.wake()
            return
        if position <= self.hub.published:
            return
        self._wanted = max(self._wanted, position)
        self._wake.set()

    async def _own_commit(self) -> None:
        """The wake-up for this process's own commit can come before its writer hands the events over:
        wait for that hand-over (at most one batch) rather than read from the log what is on its way."""
        if self.hub.published >= self._wanted or not self.writing():
            return
        self._handed_over.clear()
        await wait_set(self._handed_over, self.poll_seconds)

    async def catch_up(self) -> None:
        """Read and publish everything after what the hub has published."""
        async with self._lock:
            while True:
                async with self.db.read.connect() as conn:
                    batch = await eventlog.read_after(conn, self.hub.published, 1000)
                    if batch and self.hub.limited:
                        # 督查范围: the hub decides without the database which limited views get each.
                        await conn.run_sync(self.note_units, batch, self.hub.needs_unit)
                if not batch or not self.hub.publish(batch):
                    return

    async def run(self) -> None:
        while True:
            polled = not await wait_set(self._wake, self.poll_seconds)
            self._wake.clear()
            if not polled and not self._must_read:
                # Only wake-ups naming positions: nothing to read if the hub already has them.
                await self._own_commit()
                if self.hub.published >= self._wanted:
                    continue
            self._must_read = False
            try:
                await self.catch_up()
            except Exception:
                log.exception("catch_up_failed")
                await asyncio.sleep(1)


SESSIONS_CHANNEL = "console_sessions"
TOKEN_PREFIX = "token:"


class PgListener:
    """One dedicated LISTEN connection (not from the pool) whose notifications carry only a position
    (or, on the sessions channel, the id of a user whose sessions ended, or of a revoked token)."""

    def __init__(self, db: Database, follower: Follower, hub: Hub) -> None:
        self.hub = hub
        self.dsn = make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.follower = follower
        self.alive = False
        self.reconnects = 0

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self.follower.notified(int(payload) if payload.isdigit() else None)

    def _session_ended(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        # A user id (logout, deactivation), or "token:<id>" for a revoked API token.
        if payload.startswith(TOKEN_PREFIX):
            self.hub.revoke_tokens([payload.removeprefix(TOKEN_PREFIX)])
        else:
            self.hub.end_sessions(payload)

    async def run(self) -> None:
        import asyncpg

        backoff = 0.2
        while True:
            lost = asyncio.Event()
            try:
                conn = await asyncpg.connect(
                    self.dsn, server_settings={"application_name": "incident-console-listener"}
                )
            except Exception as exc:
                log.warning("listener_connect_failed", extra={"error": type(exc).__name__})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5)
                continue
            try:
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(NOTIFY_CHANNEL, self._notified)
                await conn.add_listener(SESSIONS_CHANNEL, self._session_ended)
                self.alive, backoff = True, 0.2
                # Whatever was committed while we were not listening is read from the log now.
                self.follower.wake()
                while not lost.is_set() and not conn.is_closed():
                    await wait_set(lost, 2)
                    if not lost.is_set() and not conn.is_closed():
                        # A cheap round trip notices a half-open socket the server will never close.
                        try:
                            async with asyncio.timeout(5):
                                await conn.execute("SELECT 1")
                        except Exception:
                            break
            except asyncio.CancelledError:
                await conn.close(timeout=1)
                raise
            except Exception as exc:
                log.warning("listener_failed", extra={"error": type(exc).__name__})
            finally:
                self.alive = False
                with contextlib.suppress(Exception):
                    conn.terminate()
            self.reconnects += 1
            LISTENER_RECONNECTS.inc()
            log.warning("listener_reconnecting")
            await asyncio.sleep(0.2)
