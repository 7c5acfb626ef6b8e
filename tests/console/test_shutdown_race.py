"""Shutdown phases end when told to on Python 3.11: a cancel arriving in the same loop step as a wake-up.

`Runtime.stop` stops the command writer, whose last commit wakes the follower, then cancels the
follower's task: both land in one loop step. On 3.11, `asyncio.wait_for(event.wait())` then returns as
if woken and the cancel is lost; the follower ran on and the phase ended only at its 5 s bound
(`shutdown_phase_timed_out phase=stop_follower`, seen under write load).
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from support import Deployment

from console.db import open_database
from console.domains import registry
from console.follower import Follower, wait_set
from console.hub import Hub

# A ceiling for a task that should already have ended, far below the poll it would otherwise sleep.
ENDED_WITHIN = 5.0
POLL_SECONDS = 120.0


async def _reads_finished(within: float = ENDED_WITHIN) -> None:
    """A read cancelled mid-flight still finishes on aiosqlite's thread, which then hands its result to
    this test's loop: wait (bounded) for those threads to end, or one dies on the closed loop during the
    next test ("Event loop is closed", reported against that test)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and any(
        "_connection_worker_thread" in t.name for t in threading.enumerate()
    ):
        await asyncio.sleep(0.01)


async def _suspended(task: asyncio.Task[Any]) -> None:
    """Let the task run until it waits (loop steps, no wall-clock sleep)."""
    for _ in range(20):
        await asyncio.sleep(0)
    assert not task.done()


async def test_the_follower_ends_on_a_cancel_in_the_same_step_as_a_wake_up(deployment: Deployment) -> None:
    db = open_database(deployment.settings)
    follower = Follower(Hub(registry().public_data), db, POLL_SECONDS)
    try:
        for _round in range(3):  # also after it has woken and caught up once
            task = asyncio.create_task(follower.run())
            await _suspended(task)
            follower.wake()
            task.cancel()  # same loop step as the wake-up, as in Runtime.stop after the writer's last commit
            done, _ = await asyncio.wait({task}, timeout=ENDED_WITHIN)
            assert task in done, "the follower kept running after it was cancelled"
            assert task.cancelled()
    finally:
        await db.dispose()
        await _reads_finished()


@pytest.mark.parametrize("set_first", [True, False], ids=["set-then-cancel", "cancel-then-set"])
async def test_wait_set_never_loses_a_cancel(set_first: bool) -> None:
    event = asyncio.Event()
    task = asyncio.create_task(wait_set(event, POLL_SECONDS))
    await _suspended(task)
    if set_first:
        event.set()
        task.cancel()
    else:
        task.cancel()
        event.set()
    done, _ = await asyncio.wait({task}, timeout=ENDED_WITHIN)
    assert task in done and task.cancelled()


async def test_wait_set_says_whether_it_was_woken() -> None:
    event = asyncio.Event()
    assert await wait_set(event, 0.01) is False
    event.set()
    assert await wait_set(event, POLL_SECONDS) is True
