"""The follower reads the log only when the hub cannot have an event: a PostgreSQL wake-up for this
process's own commit, arriving before the writer hands the events over, must not cost a read."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from console.events import RecordedEvent
from console.follower import Follower
from console.hub import Hub


def event(position: int) -> RecordedEvent:
    return RecordedEvent(
        position=position,
        stream="incident-x",
        type="incident.note_added",
        actor_id="u",
        actor_name="u",
        occurred_at="2026-01-01T00:00:00.000000Z",
        recorded_at="2026-01-01T00:00:00.000000Z",
        visibility="staff",
        command_id=None,
        payload_json="{}",
        prev_hash="0" * 64,
        hash="1" * 64,
    )


class CountingRead:
    """Stands in for the read engine: counts connections (one per read of the log), holds no events."""

    def __init__(self) -> None:
        self.reads = 0

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[Any]:
        self.reads += 1
        raise LookupError("the log was read")
        yield  # pragma: no cover


class FakeDatabase:
    def __init__(self) -> None:
        self.read = CountingRead()


async def until(check: Callable[[], bool], what: str, deadline: float = 5.0) -> None:
    end = asyncio.get_running_loop().time() + deadline
    while not check():
        assert asyncio.get_running_loop().time() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.001)


async def running(follower: Follower, body: Callable[[], Awaitable[None]]) -> None:
    task = asyncio.create_task(follower.run())
    try:
        await body()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, LookupError):
            await task


async def test_a_wake_up_for_our_own_commit_before_the_hand_over_reads_nothing() -> None:
    hub = Hub(lambda _e, _classes: {})
    db = FakeDatabase()
    follower = Follower(hub, db, poll_seconds=60)  # type: ignore[arg-type]
    writing = True
    follower.writing = lambda: writing

    async def body() -> None:
        follower.notified(1)  # the listener heard of position 1 while the writer still holds it
        for _ in range(20):
            await asyncio.sleep(0)  # the follower is now waiting for the writer, not reading
        follower.local([event(1)])
        await until(lambda: hub.published == 1, "the hand-over")
        for _ in range(20):
            await asyncio.sleep(0)
        assert db.read.reads == 0

    await running(follower, body)


async def test_a_wake_up_for_another_process_commit_reads_the_log() -> None:
    hub = Hub(lambda _e, _classes: {})
    db = FakeDatabase()
    follower = Follower(hub, db, poll_seconds=60)  # type: ignore[arg-type]
    follower.writing = lambda: False

    async def body() -> None:
        follower.notified(1)
        await until(lambda: db.read.reads >= 1, "a read of the log")

    await running(follower, body)


async def test_a_wake_up_for_what_the_hub_has_already_published_reads_nothing() -> None:
    hub = Hub(lambda _e, _classes: {})
    db = FakeDatabase()
    follower = Follower(hub, db, poll_seconds=60)  # type: ignore[arg-type]
    hub.publish([event(1), event(2)])

    async def body() -> None:
        follower.notified(2)
        follower.notified(None)  # a wake-up without a position always reads
        await until(lambda: db.read.reads == 1, "one read of the log")

    await running(follower, body)
