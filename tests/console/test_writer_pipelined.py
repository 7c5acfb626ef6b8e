"""The command writer begins the next batch's write before it publishes the one just committed, when
commands already wait (console.service `_run`), and still publishes, and answers, in commit order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any, cast

import pytest

from console.commands import CommandEnvelope
from console.domains import registry
from console.events import RecordedEvent
from console.service import CommandResult, CommandService, _Pending
from console.timer_loop import TIMER_ACTOR


class Traced(CommandService):
    """The real queueing, batching and publishing, with transactions that note when they begin."""

    def __init__(self) -> None:
        super().__init__(cast(Any, None), cast(Any, None), cast(Any, None), self._published, registry())
        self.log: list[str] = []
        self.release: dict[str, asyncio.Event] = {}
        self._publishing = ""

    def _published(self, _events: Sequence[RecordedEvent]) -> None:
        self.log.append(f"publish {self._publishing}")

    def _transaction(self, batch: list[_Pending]) -> asyncio.Future[list[RecordedEvent]]:
        # Begun when called, as the real one is (Database.write_soon: on the writer's thread at once).
        ids = _ids(batch)
        self.log.append(f"begin {ids}")
        return asyncio.ensure_future(self._written(batch, self.release.setdefault(ids, asyncio.Event())))

    async def _written(self, batch: list[_Pending], gate: asyncio.Event) -> list[RecordedEvent]:
        await gate.wait()
        for item in batch:
            item.result = CommandResult(item.envelope.id, True)
        return []

    def _publish(self, batch: list[_Pending], committed: list[RecordedEvent]) -> None:
        self._publishing = _ids(batch)
        super()._publish(batch, committed)


@pytest.fixture
async def service() -> AsyncIterator[Traced]:
    writer = Traced()
    writer.start()
    try:
        yield writer
    finally:
        await writer.stop()


def _ids(batch: list[_Pending]) -> str:
    return "+".join(p.envelope.id.removeprefix("command-") for p in batch)


async def _until(condition: Any) -> None:
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


def _release(service: Traced, ids: str) -> None:
    """Let the write of the batch of these commands finish (now, or as soon as it begins)."""
    service.release.setdefault(ids, asyncio.Event()).set()


def _submit(service: Traced, command_id: str) -> asyncio.Future[CommandResult]:
    envelope = CommandEnvelope(id=f"command-{command_id}", name="incident.note", args={})
    return asyncio.ensure_future(service.submit(envelope, TIMER_ACTOR, internal=True))


async def test_the_next_write_begins_before_the_last_batch_is_published(service: Traced) -> None:
    first = _submit(service, "a")
    await _until(lambda: "begin a" in service.log)
    # These arrive while "a" is written: one batch, whose write begins as "a" is committed.
    later = [_submit(service, "b"), _submit(service, "c")]
    await _until(lambda: len(service._queue) == 2)
    _release(service, "a")
    await _until(lambda: "begin b+c" in service.log)
    assert service.log == ["begin a", "begin b+c", "publish a"]
    await _until(first.done)
    assert first.result().ok
    assert not any(f.done() for f in later)  # answered only once their own batch is published
    _release(service, "b+c")
    results = await asyncio.gather(*later)
    assert [r.ok for r in results] == [True, True]
    assert service.log == ["begin a", "begin b+c", "publish a", "publish b+c"]


async def test_an_idle_writer_publishes_before_it_waits_for_more(service: Traced) -> None:
    _release(service, "a")
    assert (await _submit(service, "a")).ok
    assert service.log == ["begin a", "publish a"]
    assert not service.writing  # nothing in flight: the follower reads the log itself
    _release(service, "b")
    assert (await _submit(service, "b")).ok
    assert service.log == ["begin a", "publish a", "begin b", "publish b"]


async def test_bookkeeping_waits_for_the_publish_before_it(service: Traced) -> None:
    first = _submit(service, "a")
    await _until(lambda: "begin a" in service.log)
    envelope = CommandEnvelope(id="command-bg", name="alert.record_attempts", args={})
    record = asyncio.ensure_future(service.submit(envelope, TIMER_ACTOR, internal=True, background=True))
    await _until(lambda: len(service._background) == 1)
    _release(service, "a")
    _release(service, "bg")
    assert (await first).ok
    assert (await record).ok
    assert service.log == ["begin a", "publish a", "begin bg", "publish bg"]


async def test_bookkeeping_gives_way_to_a_person_s_command_in_flight(service: Traced) -> None:
    assert not service.log
    await service.give_way(0.01, 10)  # no person's command lately: at once

    person = _submit(service, "a")
    await _until(lambda: "begin a" in service.log)
    waited = asyncio.ensure_future(service.give_way(0.01, 10))
    await _until(lambda: len(service.log) == 1)
    await asyncio.sleep(0)
    assert not waited.done()  # the person's command is being written
    _release(service, "a")
    await waited
    assert service.log == ["begin a", "publish a"]  # it went on only after the publish
    assert (await person).ok

    # Never longer than `most`: with the longest wait 0, a command in flight does not hold it.
    second = _submit(service, "b")
    await _until(lambda: "begin b" in service.log)
    await service.give_way(10, 0)
    assert service.log == ["begin a", "publish a", "begin b"]
    _release(service, "b")
    assert (await second).ok
