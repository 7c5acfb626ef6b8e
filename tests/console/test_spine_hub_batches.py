"""The events of one publish (one commit) reach each live connection in one write, in order, never twice;
a connection without room queues them and drains them in order; a gap stops the publish after the
events before it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from console.events import VISIBILITY_ALL, RecordedEvent
from console.hub import Connection, Hub
from console.sinks import Frame


def event(position: int) -> RecordedEvent:
    return RecordedEvent(
        position=position,
        stream="incident-x",
        type="incident.note_added",
        actor_id="u",
        actor_name="u",
        occurred_at="2026-01-01T00:00:00.000000Z",
        recorded_at="2026-01-01T00:00:00.000000Z",
        visibility=VISIBILITY_ALL,
        command_id=None,
        payload_json="{}",
        prev_hash="0" * 64,
        hash="1" * 64,
    )


class Socket:
    """A sink that records each write (a list of frames leaving in one system call) while it has room."""

    def __init__(self) -> None:
        self.room = True
        self.writes: list[list[str]] = []
        self.opened = asyncio.Event()
        self.opened.set()

    def try_write(self, frame: Frame) -> bool:
        return self.try_write_many([frame])

    def try_write_many(self, frames: Sequence[Frame]) -> bool:
        if not self.room:
            return False
        self.writes.append([f.text for f in frames])
        return True

    async def write(self, frame: Frame) -> None:
        await self.opened.wait()
        self.writes.append([frame.text])

    def positions(self) -> list[list[int]]:
        return [[json.loads(t)["position"] for t in w] for w in self.writes]


async def _close(_code: int, _reason: str) -> None:
    return None


def connect(hub: Hub, socket: Socket) -> Connection:
    conn = Connection(socket, _close, view="staff", user_id="u", limit=100)
    hub.attach(conn)
    conn.start()
    return conn


async def test_one_publish_is_one_write_per_connection_in_order() -> None:
    hub = Hub(lambda _e, _c: {})
    sockets = [Socket() for _ in range(3)]
    for s in sockets:
        connect(hub, s)
    assert hub.publish([event(1), event(2), event(3)])
    assert hub.publish([event(4)])
    for s in sockets:
        assert s.positions() == [[1, 2, 3], [4]]


async def test_already_sent_events_are_not_sent_again() -> None:
    hub = Hub(lambda _e, _c: {})
    socket = Socket()
    conn = connect(hub, socket)
    conn.last_sent = 2  # replay already sent 1 and 2
    assert hub.publish([event(1), event(2), event(3)])
    assert hub.publish([event(3), event(4)])  # the follower offering one the writer published
    assert socket.positions() == [[3], [4]]


async def test_a_connection_without_room_queues_the_batch_and_drains_it_in_order() -> None:
    hub = Hub(lambda _e, _c: {})
    full, free = Socket(), Socket()
    full.room = False
    full.opened.clear()
    connect(hub, full)
    connect(hub, free)
    assert hub.publish([event(1), event(2)])
    assert free.positions() == [[1, 2]] and full.writes == []
    full.opened.set()
    for _ in range(100):
        if len(full.writes) == 2:
            break
        await asyncio.sleep(0)
    assert full.positions() == [[1], [2]]


async def test_a_gap_publishes_what_comes_before_it_and_asks_for_the_rest() -> None:
    hub = Hub(lambda _e, _c: {})
    socket = Socket()
    connect(hub, socket)
    assert not hub.publish([event(1), event(2), event(4)])
    assert hub.published == 2 and socket.positions() == [[1, 2]]
    assert [e.position for e, _ in hub.ring] == [1, 2]
