"""One console process: database, command writer, hub, follower, listener and heartbeat, started together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence

from sqlalchemy import select, text

from . import eventlog
from .auth import passwords, revoked_among
from .clock import Clock, SystemClock
from .db import Database, open_database
from .follower import SESSIONS_CHANNEL, TOKEN_PREFIX, Follower, PgListener
from .hub import Hub
from .registry import Registry, RegistryError, Timer
from .service import CommandService
from .settings import Settings
from .tables import events

log = logging.getLogger("console.runtime")

STOP_PHASE_SECONDS = 5


class Runtime:
    """The long-lived parts of a console process, shared by every request and connection."""

    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        clock: Clock | None = None,
        *,
        timers: Sequence[tuple[str, Timer]] | None = None,
    ) -> None:
        self.settings = settings
        # The domains' timers by default; a process with one job of its own (the alert sender) runs
        # only its own timer, with the same writer, hub and follower as a serve process.
        self.timers = tuple(registry.timers) if timers is None else tuple(timers)
        self.registry = registry
        self.clock: Clock = clock or SystemClock(settings.clock_offset_seconds, settings.clock_file)
        self.db: Database = open_database(settings)
        self.hub = Hub(
            registry.public_data,
            withdraws=registry.withdraws,
            declared=registry.visibility_classes,
            rescopes=registry.rescopes,
        )
        self.follower = Follower(self.hub, self.db, settings.poll_seconds)
        self.service = CommandService(self.db, settings, self.clock, self.follower.local, registry)
        self.follower.writing = lambda: self.service.writing
        self.follower.note_units = registry.note_units
        self.service.needs_unit = self.hub.needs_unit
        self.listener = PgListener(self.db, self.follower, self.hub) if self.db.is_postgres else None
        self.passwords = passwords(settings)
        self.epoch = ""
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.registry.check_settings(self.settings)
        async with self.db.read.connect() as conn:
            self.epoch = await eventlog.epoch(conn)
            self.hub.start_from(await eventlog.head_position(conn))
            # A log holding events no listed domain declares was written by a console with more domains:
            # serving it would drop those events from every projection and screen.
            unknown = self.registry.unknown_types(
                (await conn.execute(select(events.c.type).distinct())).scalars()
            )
        if unknown:
            names = ", ".join(d.name for d in self.registry.domains)
            raise RegistryError(
                f"the log holds event types no listed domain declares: {unknown} (domains: {names})"
            )
        self.service.start()
        self._tasks.append(asyncio.create_task(self.follower.run(), name="follower"))
        self._tasks.append(asyncio.create_task(self._heartbeat(), name="heartbeat"))
        if self.listener is not None:
            self._tasks.append(asyncio.create_task(self.listener.run(), name="pg-listener"))
        for name, timer in self.timers:
            self._tasks.append(asyncio.create_task(timer(self), name=name))
        log.info(
            "console_started",
            extra={
                "position": self.hub.published,
                "sqlite": self.db.is_sqlite,
                "domains": [d.name for d in self.registry.domains],
            },
        )

    async def stop(self) -> None:
        # Each phase is bounded: everything acknowledged is already committed, so a phase that hangs (a
        # database that stopped answering) must not keep the process from exiting when asked to.
        await self._bounded("stop_writer", self.service.stop())
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            await self._bounded(f"stop_{task.get_name()}", task)
        await self._bounded("close_database", self.db.dispose())

    async def _bounded(self, phase: str, step: Awaitable[object]) -> None:
        # asyncio.wait, not wait_for: on Python 3.11 wait_for returns normally when the step ends in the
        # same loop step as a cancel of the shutdown itself, and the cancel is lost.
        task = asyncio.ensure_future(step)
        try:
            done, _ = await asyncio.wait({task}, timeout=STOP_PHASE_SECONDS)
        except asyncio.CancelledError:
            task.cancel()  # the shutdown itself is being cancelled: so is its step
            raise
        if not done:
            task.cancel()
            log.error("shutdown_phase_timed_out", extra={"phase": phase})
        elif not task.cancelled() and (exc := task.exception()) is not None:
            log.error("shutdown_phase_failed", extra={"phase": phase}, exc_info=exc)

    async def _heartbeat(self) -> None:
        interval = self.settings.heartbeat_seconds
        while True:
            await asyncio.sleep(interval)
            self.hub.ping(timeout=interval * 3, now=self.clock.now().timestamp())
            try:
                await self._close_revoked_tokens()
            except Exception:
                log.exception("token_check_failed")

    async def end_sessions(self, user_id: str) -> None:
        """Close a user's live connections here and, through PostgreSQL, in every other process."""
        self.hub.end_sessions(user_id)
        if self.db.is_postgres:
            async with self.db.write.begin() as conn:
                await conn.execute(
                    text("SELECT pg_notify(:channel, :user)"), {"channel": SESSIONS_CHANNEL, "user": user_id}
                )

    async def revoke_token(self, token_id: str) -> None:
        """Close the connections signed in with a revoked token here and in every other process."""
        self.hub.revoke_tokens([token_id])
        if self.db.is_postgres:
            async with self.db.write.begin() as conn:
                await conn.execute(
                    text("SELECT pg_notify(:channel, :token)"),
                    {"channel": SESSIONS_CHANNEL, "token": TOKEN_PREFIX + token_id},
                )

    async def _close_revoked_tokens(self) -> None:
        # The safety net for a revocation this process was not told of (the CLI on SQLite, a lost
        # notification): each heartbeat checks the tokens its connections signed in with.
        held = sorted({c.token_id for c in self.hub.connections if c.token_id is not None})
        if not held:
            return
        async with self.db.read.connect() as conn:
            revoked = await revoked_among(conn, held)
        self.hub.revoke_tokens(revoked)

    @property
    def listener_alive(self) -> bool:
        return self.listener is None or self.listener.alive
