"""One console process: database, command writer, hub, follower, listener and heartbeat, started together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from sqlalchemy import select, text

from . import eventlog
from .auth import LoginThrottle, passwords
from .clock import Clock, SystemClock
from .db import Database, open_database
from .follower import SESSIONS_CHANNEL, Follower, PgListener
from .hub import Hub
from .registry import Registry, RegistryError
from .service import CommandService
from .settings import Settings
from .tables import events

log = logging.getLogger("console.runtime")

STOP_PHASE_SECONDS = 5


class Runtime:
    """The long-lived parts of a console process, shared by every request and connection."""

    def __init__(self, settings: Settings, registry: Registry, clock: Clock | None = None) -> None:
        self.settings = settings
        self.registry = registry
        self.clock: Clock = clock or SystemClock(settings.clock_offset_seconds, settings.clock_file)
        self.db: Database = open_database(settings)
        self.hub = Hub(registry.public_data)
        self.follower = Follower(self.hub, self.db, settings.poll_seconds)
        self.service = CommandService(self.db, settings, self.clock, self.follower.local, registry)
        self.follower.writing = lambda: self.service.writing
        self.listener = PgListener(self.db, self.follower, self.hub) if self.db.is_postgres else None
        self.throttle = LoginThrottle()
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
        for name, timer in self.registry.timers:
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
        try:
            await asyncio.wait_for(step, timeout=STOP_PHASE_SECONDS)
        except TimeoutError:
            log.error("shutdown_phase_timed_out", extra={"phase": phase})
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the shutdown itself is being cancelled, not just the task we awaited
        except Exception:
            log.exception("shutdown_phase_failed", extra={"phase": phase})

    async def _heartbeat(self) -> None:
        interval = self.settings.heartbeat_seconds
        while True:
            await asyncio.sleep(interval)
            self.hub.ping(timeout=interval * 3, now=self.clock.now().timestamp())

    async def end_sessions(self, user_id: str) -> None:
        """Close a user's live connections here and, through PostgreSQL, in every other process."""
        self.hub.end_sessions(user_id)
        if self.db.is_postgres:
            async with self.db.write.begin() as conn:
                await conn.execute(
                    text("SELECT pg_notify(:channel, :user)"), {"channel": SESSIONS_CHANNEL, "user": user_id}
                )

    @property
    def listener_alive(self) -> bool:
        return self.listener is None or self.listener.alive
