"""The command writer's background lane (console.service): bookkeeping submitted `background=True` never
shares a batch with a person's commands, goes after the commands that wait, and is not starved by a
steady stream of them."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from console.commands import CommandEnvelope
from console.domains import registry
from console.events import RecordedEvent
from console.service import BACKGROUND_AFTER, CommandResult, CommandService, _Pending
from console.timer_loop import TIMER_ACTOR

NOTE = "incident.note"
RECORD = "alert.record_attempts"


class Recording(CommandService):
    """The real queueing and batching, with a transaction that writes nothing and notes each batch."""

    def __init__(self) -> None:
        super().__init__(cast(Any, None), cast(Any, None), cast(Any, None), lambda _events: None, registry())
        self.batches: list[list[str]] = []
        self.during: list[CommandEnvelope] = []  # submitted while the next batch is written
        self.submitted: list[asyncio.Future[CommandResult]] = []

    async def _transaction(self, batch: list[_Pending]) -> list[RecordedEvent]:
        self.batches.append([p.envelope.id.removeprefix("command-") for p in batch])
        for item in batch:
            item.result = CommandResult(item.envelope.id, True)
        if self.during:
            self.submitted.append(
                asyncio.ensure_future(self.submit(self.during.pop(0), TIMER_ACTOR, internal=True))
            )
        await asyncio.sleep(0)
        return []


def envelope(command_id: str, name: str = NOTE) -> CommandEnvelope:
    return CommandEnvelope(id=f"command-{command_id}", name=name, args={})


async def _settle(service: Recording, written: int) -> None:
    for _ in range(10_000):
        if sum(len(b) for b in service.batches) >= written:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"only {service.batches} written")


async def test_background_goes_after_the_commands_that_wait_and_in_a_batch_of_its_own() -> None:
    service = Recording()
    waiting = [
        asyncio.ensure_future(
            service.submit(envelope("bg", RECORD), TIMER_ACTOR, internal=True, background=True)
        )
    ]
    await asyncio.sleep(0)
    waiting += [
        asyncio.ensure_future(service.submit(envelope(f"fg{i}"), TIMER_ACTOR, internal=True))
        for i in range(3)
    ]
    await asyncio.sleep(0)
    service.start()
    try:
        results = await asyncio.gather(*waiting)
    finally:
        await service.stop()
    assert [r.ok for r in results] == [True] * 4
    assert service.batches == [["fg0", "fg1", "fg2"], ["bg"]]


async def test_background_is_not_starved_by_a_steady_stream() -> None:
    service = Recording()
    # Each batch written brings one more person's command, so one always waits.
    service.during = [envelope(f"fg{i}") for i in range(1, 2 * BACKGROUND_AFTER + 2)]
    first = asyncio.ensure_future(service.submit(envelope("fg0"), TIMER_ACTOR, internal=True))
    background = asyncio.ensure_future(
        service.submit(envelope("bg", RECORD), TIMER_ACTOR, internal=True, background=True)
    )
    await asyncio.sleep(0)
    service.start()
    try:
        assert (await background).ok
        await first
        await _settle(service, 2 * BACKGROUND_AFTER + 3)
        await asyncio.gather(*service.submitted)
    finally:
        await service.stop()
    assert all(batch == ["bg"] or "bg" not in batch for batch in service.batches)
    # It waited BACKGROUND_AFTER batches, then went next, while commands were still waiting.
    assert service.batches.index(["bg"]) == BACKGROUND_AFTER
    assert len(service.batches) > BACKGROUND_AFTER + 1
