"""The real-time hub: fans committed events out to every connected client that may see them.

Each event is serialised (and encoded) once per visibility view, never once per client, and written
to every connection whose socket has room without awaiting any of them. A connection whose socket
is full gets the frame in its bounded queue, drained by a task of its own, so a slow client never
holds up the others; one whose queue overflows is closed with CLOSE_OVERFLOW and resumes from its
position.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from .events import UNIT_UNKNOWN, RecordedEvent, noted_unit
from .metrics import (
    CONNECTED_CLIENTS,
    DEAD_PEERS,
    EVENTS_PUBLISHED,
    FRAMES_DIRECT,
    FRAMES_QUEUED,
    OVERFLOW_CLOSES,
)
from .permissions import may_see, visible_classes
from .protocol import CLOSE_DEAD_PEER, CLOSE_OVERFLOW, CLOSE_SESSION_ENDED, CLOSE_UNAUTHENTICATED
from .sinks import Frame, Sink

log = logging.getLogger("console.hub")

# How long a close frame may take to leave before the socket is simply dropped.
CLOSE_GRACE = 2.0
Close = Callable[[int, str], Awaitable[None]]
# Ends the TCP connection once what was written has left, without waiting for the peer's close reply,
# and drops the socket if that has not happened within the given seconds.
HangUp = Callable[[float], None]


# `json.dumps` with these options makes an encoder for every call; one made once encodes alike.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(message: dict[str, Any]) -> str:
    return _ENCODER.encode(message)


# What clients seeing these visibility classes are sent of an event's payload (Registry.public_data:
# sealed payloads leave values out, personal data is left out of views without its class).
PublicData = Callable[[RecordedEvent, frozenset[str]], dict[str, Any]]


def about(event: RecordedEvent) -> str | None:
    """The incident an event names (its payload's `incident_id`), if any."""
    named = event.data.get("incident_id")
    return named if isinstance(named, str) else None


def render(
    event: RecordedEvent, view: str, public_data: PublicData, declared: frozenset[str] = frozenset()
) -> Frame | None:
    """The frame a client of `view` gets for this event, or None if it may not see it; `declared` are
    the domains' visibility classes (Registry.visibility_classes)."""
    classes = visible_classes(view, declared)
    if not may_see(event.visibility, classes):
        return None
    return Frame(dumps(event.wire(public_data(event, classes))))


def scope_key(view: str, units: frozenset[str]) -> str:
    """The key of the connections of a view limited to these units (never a plain view's name)."""
    return f"{view}@{','.join(sorted(units))}"


def admitted(event: RecordedEvent, units: frozenset[str]) -> bool | None:
    """Whether a view limited to these units gets the event (None: its unit was never noted)."""
    unit = noted_unit(event)
    if unit is UNIT_UNKNOWN:
        return None
    return unit is None or unit in units


class Connection:
    """One client's outbound side: its sink, a bounded queue, and the position of the last event sent."""

    # Thousands of these live at once: slots keep each one small.
    __slots__ = (
        "_abort",
        "_close",
        "_drain",
        "_hang_up",
        "_queue",
        "closing",
        "key",
        "last_seen",
        "last_sent",
        "limit",
        "live",
        "session_ends",
        "sink",
        "token_id",
        "units",
        "user_id",
        "view",
    )

    def __init__(
        self,
        sink: Sink,
        close: Close,
        *,
        view: str,
        user_id: str,
        limit: int,
        abort: Callable[[], None] | None = None,
        hang_up: HangUp | None = None,
        session_ends: float | None = None,
        token_id: str | None = None,
        units: frozenset[str] | None = None,
    ) -> None:
        self.sink = sink
        # The API token the connection signed in with, if any: revoking it closes the connection.
        self.token_id = token_id
        # Wall-clock time (epoch seconds) when the session behind this connection expires.
        self.session_ends = session_ends
        self._close = close
        self._abort = abort
        self._hang_up = hang_up
        self.view = view
        # 督查范围: the units an inspector's connection is limited to (None: every unit). Connections of
        # one view and one set of units share a key, and every frame with it.
        self.units = units
        self.key = view if units is None else scope_key(view, units)
        self.user_id = user_id
        self.limit = limit
        # Made only when a frame must wait (an empty deque is ~0.7 KiB; most connections never queue).
        self._queue: deque[tuple[int, Frame]] | None = None
        self.last_sent = 0
        self.last_seen = time.monotonic()
        self.closing: tuple[int, str] | None = None
        self.live = False
        # A drain task exists only while frames wait for room: idle connections hold no task.
        self._drain: asyncio.Task[None] | None = None

    @property
    def queue(self) -> Sequence[tuple[int, Frame]]:
        """Frames waiting for room on the socket."""
        return self._queue if self._queue is not None else ()

    def offer(self, position: int, frame: Frame) -> bool:
        """Send or queue a frame without waiting; position 0 marks a control frame (result, ping).

        Returns True if the frame went straight onto the socket.
        """
        if self.closing is not None:
            return False
        if self.live and self._drain is None and not self._queue:
            if position and position <= self.last_sent:
                return False  # replay already sent it: never twice
            if self.sink.try_write(frame):
                if position:
                    self.last_sent = position
                return True
        if self._queue is None:
            self._queue = deque()
        if len(self._queue) >= self.limit:
            OVERFLOW_CLOSES.inc()
            self.close_soon(CLOSE_OVERFLOW, "overflow", hang_up=True)
            return False
        self._queue.append((position, frame))
        if self.live and self._drain is None:
            self._drain = asyncio.get_running_loop().create_task(self._drain_queue())
        return False

    def offer_many(self, items: Sequence[tuple[int, Frame]]) -> tuple[int, int]:
        """Send or queue the events of one publish (position order) without waiting: straight onto the
        socket in one write when it has room, else queued. Returns (frames sent directly, frames queued)."""
        if len(items) == 1:
            position, frame = items[0]
            return (1, 0) if self.offer(position, frame) else (0, 1)
        if self.closing is not None:
            return 0, 0
        if self.live and self._drain is None and not self._queue:
            fresh = [(p, f) for p, f in items if p > self.last_sent]
            if not fresh:
                return 0, 0
            if self.sink.try_write_many([f for _, f in fresh]):
                self.last_sent = fresh[-1][0]
                return len(fresh), 0
        queued = 0
        for position, frame in items:
            if self.closing is not None:
                break
            self.offer(position, frame)
            queued += 1
        return 0, queued

    def close_soon(self, code: int, reason: str, *, hang_up: bool = False) -> None:
        """Close from synchronous code (the fan-out loop): a task finishes the job. With `hang_up` (a peer
        known not to be reading) the connection ends as soon as the close frame has left, without waiting
        for a close reply such a peer would not send."""
        if self.closing is None:
            self.closing = (code, reason)
            self._queue = None
            if self._drain is not None and not self._drain.done():
                self._drain.cancel()
            asyncio.get_running_loop().create_task(self._shut(code, reason, hang_up))

    async def _shut(self, code: int, reason: str, hang_up: bool) -> None:
        try:
            await asyncio.wait_for(self._close(code, reason), timeout=CLOSE_GRACE)
        except Exception:  # a peer that does not read cannot take a close frame
            if self._abort is not None:
                self._abort()
            return
        if hang_up and self._hang_up is not None:
            # The close frame is written; the server's WebSocket layer would hold the socket for its
            # close timeout (10 s) waiting for the peer's reply. The frame leaves with what was written
            # before it, then the connection ends; what cannot leave within CLOSE_GRACE goes with the socket.
            self._hang_up(CLOSE_GRACE)

    async def send_now(self, frame: Frame, position: int = 0) -> None:
        """Send directly, waiting for room (hello replies, replay and snapshot, before going live)."""
        await self.sink.write(frame)
        if position:
            self.last_sent = position

    def start(self) -> None:
        """Go live: frames queued during replay are sent, later ones straight away."""
        self.live = True
        if self._queue and self._drain is None:
            self._drain = asyncio.get_running_loop().create_task(self._drain_queue())

    async def stop(self) -> None:
        self.live = False
        if self._drain is not None:
            self._drain.cancel()
            try:
                await self._drain
            except (asyncio.CancelledError, Exception):
                pass

    async def _drain_queue(self) -> None:
        try:
            while self._queue:
                position, frame = self._queue.popleft()
                if position:
                    if position <= self.last_sent:
                        continue  # replay already sent it: never twice
                    self.last_sent = position
                await self.sink.write(frame)
        except ConnectionError:
            pass
        finally:
            self._drain = None
            if not self._queue:
                self._queue = None


class Hub:
    """Every connection of this process, grouped by view, and the in-order stream of published events."""

    def __init__(
        self,
        public_data: PublicData,
        *,
        ring_size: int = 4096,
        withdraws: Callable[[RecordedEvent], bool] | None = None,
        declared: Iterable[str] = (),
        rescopes: Callable[[RecordedEvent], bool] | None = None,
    ) -> None:
        self.public_data = public_data
        self.declared = frozenset(declared)
        # Events that take something away from the views that may not see them (Registry.withdraws):
        # those views' clients are closed to resume, and the resume gives them a fresh snapshot.
        self.withdraws = withdraws
        # Keyed by Connection.key: a plain view, or a view limited to some units (督查范围).
        self.views: dict[str, set[Connection]] = {}
        # The limited keys with their view and units; empty, fan-out runs as if limits did not exist.
        self.scopes: dict[str, tuple[str, frozenset[str]]] = {}
        # Events that may change what limited views hold (an incident moved to another unit).
        self.rescopes = rescopes
        # The visibility classes of each limited view: an event none of them may see needs no unit.
        # Replaced whole, never changed in place: the command writer's thread reads it (needs_unit).
        self._scope_classes: tuple[frozenset[str], ...] = ()
        self.published = 0
        # Recent events with their frames per view: reconnecting clients replay from memory.
        self.ring: deque[tuple[RecordedEvent, dict[str, Frame | None]]] = deque(maxlen=ring_size)

    @property
    def connections(self) -> Iterable[Connection]:
        for group in self.views.values():
            yield from group

    def count(self) -> int:
        return sum(len(g) for g in self.views.values())

    def attach(self, conn: Connection) -> None:
        self.views.setdefault(conn.key, set()).add(conn)
        if conn.units is not None and conn.key not in self.scopes:
            self.scopes[conn.key] = (conn.view, conn.units)
            self._scoped_views_changed()
        CONNECTED_CLIENTS.inc()

    def detach(self, conn: Connection) -> None:
        group = self.views.get(conn.key)
        if group and conn in group:
            group.discard(conn)
            CONNECTED_CLIENTS.dec()
            if not group:
                del self.views[conn.key]
                if self.scopes.pop(conn.key, None) is not None:
                    self._scoped_views_changed()

    def _scoped_views_changed(self) -> None:
        views = {view for view, _units in self.scopes.values()}
        self._scope_classes = tuple(visible_classes(view, self.declared) for view in sorted(views))

    def needs_unit(self, event: RecordedEvent) -> bool:
        """Whether some view limited to units may see this event: only then must its unit be read (an
        inspector's view does not get the audit stream, so a sender's attempt records need none)."""
        return any(may_see(event.visibility, classes) for classes in self._scope_classes)

    @property
    def limited(self) -> bool:
        """Whether some connection is limited to units (the writer then notes every event's unit)."""
        return bool(self.scopes)

    def start_from(self, position: int) -> None:
        """Set where the stream starts (the log head when the process starts)."""
        self.published = max(self.published, position)

    def publish(self, events: Sequence[RecordedEvent]) -> bool:
        """Fan out events in position order; False if one is missing before them (caller catches up).

        The events of one call (one commit) reach each connection in one write: a batch of k events costs
        a connection one system call, not k.
        """
        fresh: list[RecordedEvent] = []
        complete = True
        expected = self.published + 1
        for event in events:
            if event.position < expected:
                continue  # already published (the local writer and the follower may both offer it)
            if event.position != expected:
                complete = False
                break
            fresh.append(event)
            expected += 1
        if not fresh:
            return complete
        per_view: dict[str, list[tuple[int, Frame]]] = {view: [] for view in self.views}
        rendered: list[dict[str, Frame | None]] = []
        scopes = self.scopes
        unknown: set[str] = set()
        for event in fresh:
            frames: dict[str, Frame | None] = {}
            for view, items in per_view.items():
                if not scopes:
                    frame = frames[view] = render(event, view, self.public_data, self.declared)
                elif view in scopes:
                    frame = frames[view] = self._limited(event, view, frames, unknown)
                elif view in frames:  # a limited view of this view rendered it already
                    frame = frames[view]
                else:
                    frame = frames[view] = render(event, view, self.public_data, self.declared)
                if frame is not None:
                    items.append((event.position, frame))
            rendered.append(frames)
        direct = queued = 0
        for view, items in per_view.items():
            if not items:
                continue
            for conn in self.views[view]:
                d, q = conn.offer_many(items)
                direct += d
                queued += q
        for event, frames in zip(fresh, rendered, strict=True):
            self.ring.append((event, frames))
            if self.withdraws is not None and self.withdraws(event):
                self._resync(view for view, frame in frames.items() if frame is None)
        if unknown:
            # A limited view that could not be told whether it may have an event, or whose units' incidents
            # changed: its clients resume, from the log, with the units read afresh.
            self._resync(unknown)
        self.published = fresh[-1].position
        EVENTS_PUBLISHED.inc(len(fresh))
        FRAMES_DIRECT.inc(direct)
        FRAMES_QUEUED.inc(queued)
        return complete

    def _limited(
        self, event: RecordedEvent, key: str, frames: dict[str, Frame | None], unknown: set[str]
    ) -> Frame | None:
        """The frame of a view limited to units: its plain view's frame, rendered once and shared, when
        the event belongs to those units.

        From an event whose unit is unknown, or one that may move incidents between units, on, the view
        gets nothing more of this publish and resyncs: its clients' positions stay before that event, so
        their resume replays it from the log or takes a snapshot (Registry.rescoped_after)."""
        if key in unknown:
            return None
        view, units = self.scopes[key]
        if self.rescopes is not None and self.rescopes(event):
            unknown.add(key)  # whether or not the view may see it
            return None
        if view not in frames:
            frames[view] = render(event, view, self.public_data, self.declared)
        if frames[view] is None:
            return None  # not for this view whatever its unit (and its unit may not have been read)
        may = admitted(event, units)
        if may is None:
            unknown.add(key)
            return None
        return frames[view] if may else None

    def _resync(self, views: Iterable[str]) -> None:
        """Send the clients of these views to reconnect (they resume, and get a snapshot)."""
        for view in list(views):
            for conn in list(self.views.get(view, ())):
                conn.close_soon(CLOSE_OVERFLOW, "resync")

    def recent(
        self,
        after: int,
        view: str,
        withheld: frozenset[str] = frozenset(),
        units: frozenset[str] | None = None,
    ) -> list[tuple[int, Frame]] | None:
        """Frames after `after` for `view` from memory, or None if memory does not reach back that far;
        none of the `withheld` incidents (Registry.withheld), and with `units` only the events of those
        units (None too when memory cannot tell an event's unit: the caller reads the log)."""
        if not self.ring or self.ring[0][0].position > after + 1:
            return None
        out: list[tuple[int, Frame]] = []
        for event, frames in self.ring:
            if event.position <= after:
                continue
            if withheld and about(event) in withheld:
                continue
            if view not in frames:
                frames[view] = self.render(event, view)
            frame = frames[view]
            if frame is None:
                continue  # not for this view, whatever its unit
            if units is not None:
                may = admitted(event, units)
                if may is None:
                    return None
                if not may:
                    continue
            out.append((event.position, frame))
        return out

    def render(self, event: RecordedEvent, view: str) -> Frame | None:
        """The frame a client of `view` gets for this event (None if it may not see it)."""
        return render(event, view, self.public_data, self.declared)

    def ping(self, timeout: float, now: float) -> None:
        """Heartbeat: one frame for everyone; close peers silent for `timeout` and expired sessions."""
        frame = Frame(dumps({"type": "ping", "position": self.published}))
        cutoff = time.monotonic() - timeout
        for conn in list(self.connections):
            if conn.session_ends is not None and conn.session_ends <= now:
                conn.close_soon(CLOSE_SESSION_ENDED, "session expired")
            elif conn.last_seen < cutoff:
                DEAD_PEERS.inc()
                conn.close_soon(CLOSE_DEAD_PEER, "no heartbeat", hang_up=True)  # it answers nothing
            else:
                conn.offer(0, frame)

    def end_sessions(self, user_id: str) -> None:
        """Close every connection of a user (logout, deactivation)."""
        for conn in list(self.connections):
            if conn.user_id == user_id:
                conn.close_soon(CLOSE_SESSION_ENDED, "session ended")

    def revoke_tokens(self, token_ids: Iterable[str]) -> None:
        """Close every connection that signed in with one of these (revoked) API tokens."""
        revoked = set(token_ids)
        for conn in list(self.connections):
            if conn.token_id is not None and conn.token_id in revoked:
                conn.close_soon(CLOSE_UNAUTHENTICATED, "token revoked")
