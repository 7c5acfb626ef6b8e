"""apprise runs in sending processes of the worker's own (console.alerts.sending), at a lower CPU
priority than the console, as deployed (CONSOLE_ALERT_SEND_PROCESSES, 2 by default): what they send is
delivered and recorded as from threads; a sending process killed mid-send comes back as failed attempts
that a new process sends again; closing the worker stops them."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator

import psutil
import pytest
from alert_console import AlertConsole
from alert_receivers import HttpReceiver
from support import Deployment

from console.alerts.sending import SEND_NICENESS, STOPPED
from console.settings import load_settings


def _senders() -> list[psutil.Process]:
    """This process's sending processes (multiprocessing's spawned children, not its resource tracker)."""
    out = []
    for child in psutil.Process().children():
        try:
            line = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "spawn_main" in line and child.status() != psutil.STATUS_ZOMBIE:
            out.append(child)
    return out


async def _until(check: object, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


@pytest.fixture
async def sending(alert_deployment: Deployment) -> AsyncIterator[AlertConsole]:
    made = await AlertConsole(
        load_settings({**alert_deployment.env, "CONSOLE_ALERT_SEND_PROCESSES": "2"})
    ).start()
    try:
        await made.organisation()
        yield made
    finally:
        made.worker.senders.close()
        await made.stop()


async def test_sending_processes_deliver_at_a_lower_priority_and_stop_with_the_worker(
    sending: AlertConsole, receiver: HttpReceiver, alert_deployment: Deployment
) -> None:
    before = {p.pid for p in _senders()}
    path = f"procs-{alert_deployment.url[-8:]}"
    admin = await sending.actor("admin")
    await sending.ok(
        "alert.set_channels", {"person_id": "leader", "channels": [receiver.url("json", path)]}, admin
    )
    await sending.worker.senders.start()
    started = [p for p in _senders() if p.pid not in before]
    assert started, "the worker started its sending processes"
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    lower = min(19, mine + SEND_NICENESS)
    # Each lowers its priority as it starts, before it takes a task.
    await _until(lambda: all(os.getpriority(os.PRIO_PROCESS, p.pid) == lower for p in started), "niced")

    await sending.sit_in()
    sent = await sending.worker.tick()
    assert sent >= 1
    [row] = [r for r in await sending.outbox("leader") if r.kind != "in_app"]
    assert (row.state, row.status) == ("delivered", "SUCCESS"), row
    assert len(receiver.bodies(path)) == 1

    sending.worker.senders.close()
    await _until(
        lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in started), "stopped"
    )


async def test_a_sending_process_killed_mid_send_is_a_failed_attempt_sent_again_by_a_new_one(
    sending: AlertConsole, receiver: HttpReceiver, alert_deployment: Deployment
) -> None:
    path = f"slow/procs-{alert_deployment.url[-8:]}"
    admin = await sending.actor("admin")
    await sending.ok(
        "alert.set_channels", {"person_id": "leader", "channels": [receiver.url("json", path)]}, admin
    )
    before = {p.pid for p in _senders()}
    await sending.worker.senders.start()
    receiver.gate.clear()
    try:
        await sending.sit_in()
        tick = asyncio.ensure_future(sending.worker.tick())
        await _until(lambda: receiver.bodies(path), "the send reached the gateway")
        first = [p for p in _senders() if p.pid not in before]
        for process in first:
            os.kill(process.pid, signal.SIGKILL)
        await tick
    finally:
        receiver.gate.set()
    [failed] = [r for r in await sending.outbox("leader") if r.kind != "in_app" and r.state == "failed"]
    assert failed.reason == STOPPED  # recorded, never lost; retried as any failure is
    [again] = [r for r in await sending.outbox("leader") if r.kind != "in_app" and r.state == "pending"]

    sending.clock.move(seconds=60)  # past the backoff
    await sending.worker.tick()
    [delivered] = [r for r in await sending.outbox("leader") if r.id == again.id]
    assert delivered.state == "delivered", delivered
    assert [p for p in _senders() if p.pid not in before and p.pid not in {q.pid for q in first}]
    assert len(receiver.bodies(path)) == 2  # the killed send reached the gateway, and the new one
