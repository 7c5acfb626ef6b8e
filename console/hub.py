"""The real-time hub: fans committed events out to every connected client that may see them.

Each event is serialised once per visibility view, never once per client; each connection has a
bounded outbound queue drained by its own writer, so a slow client never holds up the others. A
connection whose queue overflows is closed with CLOSE_OVERFLOW and resumes from its position.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from .events import VISIBILITY_ALL, RecordedEvent
from .metrics import CONNECTED_CLIENTS, DEAD_PEERS, EVENTS_PUBLISHED, OUTBOUND_QUEUE_DEPTH, OVERFLOW_CLOSES
from .protocol import CLOSE_DEAD_PEER, CLOSE_OVERFLOW, CLOSE_SESSION_ENDED

log = logging.getLogger("console.hub")

Send = Callable[[str], Awaitable[None]]
# How long a close frame may take to leave before the socket is simply dropped.
CLOSE_GRACE = 2.0
Close = Callable[[int, str], Awaitable[None]]


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def render(event: RecordedEvent, view: str) -> str | None:
    """The frame a client of `view` gets for this event, or None if it may not see it."""
    if event.visibility != VISIBILITY_ALL and event.visibility != view:
        return None
    return dumps(event.wire())


class Connection:
    """One client's outbound side: a bounded queue and the position of the last event sent."""

    def __init__(
        self,
        send: Send,
        close: Close,
        *,
        view: str,
        user_id: str,
        limit: int,
        abort: Callable[[], None] | None = None,
    ) -> None:
        self._send = send
        self._close = close
        self._abort = abort
        self.view = view
        self.user_id = user_id
        self.limit = limit
        self.queue: deque[tuple[int, str]] = deque()
        self.last_sent = 0
        self.last_seen = time.monotonic()
        self.closing: tuple[int, str] | None = None
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None

    def offer(self, position: int, frame: str) -> None:
        """Queue a frame without waiting; position 0 marks a control frame (result, ping)."""
        if self.closing is not None:
            return
        if len(self.queue) >= self.limit:
            OVERFLOW_CLOSES.inc()
            self.close_soon(CLOSE_OVERFLOW, "overflow")
            return
        self.queue.append((position, frame))
        self._wake.set()

    def close_soon(self, code: int, reason: str) -> None:
        """Close from synchronous code (the fan-out loop): the writer finishes the job."""
        if self.closing is None:
            self.closing = (code, reason)
            self.queue.clear()
            if self._writer is not None and not self._writer.done():
                self._writer.cancel()
            asyncio.get_running_loop().create_task(self._shut(code, reason))

    async def _shut(self, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(self._close(code, reason), timeout=CLOSE_GRACE)
            return
        except Exception:  # a peer that does not read cannot take a close frame
            pass
        if self._abort is not None:
            self._abort()

    async def send_now(self, frame: str, position: int = 0) -> None:
        """Send directly (replay and snapshot, before the writer starts)."""
        await self._send(frame)
        if position:
            self.last_sent = position

    def start(self) -> None:
        self._writer = asyncio.get_running_loop().create_task(self._drain())

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            try:
                await self._writer
            except (asyncio.CancelledError, Exception):
                pass

    async def _drain(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.queue:
                position, frame = self.queue.popleft()
                if position:
                    # Replay may already have sent it: never twice.
                    if position <= self.last_sent:
                        continue
                    self.last_sent = position
                await self._send(frame)


class Hub:
    """Every connection of this process, grouped by view, and the in-order stream of published events."""

    def __init__(self, *, ring_size: int = 4096) -> None:
        self.views: dict[str, set[Connection]] = {}
        self.published = 0
        # Recent events with their frames per view: reconnecting clients replay from memory.
        self.ring: deque[tuple[RecordedEvent, dict[str, str | None]]] = deque(maxlen=ring_size)

    @property
    def connections(self) -> Iterable[Connection]:
        for group in self.views.values():
            yield from group

    def count(self) -> int:
        return sum(len(g) for g in self.views.values())

    def attach(self, conn: Connection) -> None:
        self.views.setdefault(conn.view, set()).add(conn)
        CONNECTED_CLIENTS.inc()

    def detach(self, conn: Connection) -> None:
        group = self.views.get(conn.view)
        if group and conn in group:
            group.discard(conn)
            CONNECTED_CLIENTS.dec()
            if not group:
                del self.views[conn.view]

    def start_from(self, position: int) -> None:
        """Set where the stream starts (the log head when the process starts)."""
        self.published = max(self.published, position)

    def publish(self, events: Sequence[RecordedEvent]) -> bool:
        """Fan out events in position order; False if one is missing before them (caller catches up)."""
        for event in events:
            if event.position <= self.published:
                continue  # already published (the local writer and the follower may both offer it)
            if event.position != self.published + 1:
                return False
            frames: dict[str, str | None] = {}
            for view, group in self.views.items():
                frame = frames[view] = render(event, view)
                if frame is None:
                    continue
                for conn in group:
                    conn.offer(event.position, frame)
            self.published = event.position
            self.ring.append((event, frames))
            EVENTS_PUBLISHED.inc()
        OUTBOUND_QUEUE_DEPTH.set(sum(len(c.queue) for c in self.connections))
        return True

    def recent(self, after: int, view: str) -> list[tuple[int, str]] | None:
        """Frames after `after` for `view` from memory, or None if memory does not reach back that far."""
        if not self.ring or self.ring[0][0].position > after + 1:
            return None
        out: list[tuple[int, str]] = []
        for event, frames in self.ring:
            if event.position <= after:
                continue
            if view not in frames:
                frames[view] = render(event, view)
            frame = frames[view]
            if frame is not None:
                out.append((event.position, frame))
        return out

    def ping(self, timeout: float) -> None:
        """Heartbeat: one frame for everyone; close peers silent for longer than `timeout`."""
        frame = dumps({"type": "ping", "position": self.published})
        cutoff = time.monotonic() - timeout
        for conn in list(self.connections):
            if conn.last_seen < cutoff:
                DEAD_PEERS.inc()
                conn.close_soon(CLOSE_DEAD_PEER, "no heartbeat")
            else:
                conn.offer(0, frame)

    def end_sessions(self, user_id: str) -> None:
        """Close every connection of a user (logout, deactivation)."""
        for conn in list(self.connections):
            if conn.user_id == user_id:
                conn.close_soon(CLOSE_SESSION_ENDED, "session ended")
