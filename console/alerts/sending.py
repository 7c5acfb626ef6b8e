"""Where apprise runs: in processes of their own, at a lower CPU priority, so sending a backlog takes
nothing from the live screens (issue 13).

apprise's work per message (building the plugin from the URL, composing and making the request) is
Python. On serve's own threads it shares the GIL with the event loop and the command writer: while a
backlog of 600 attempts went out, a registration's write transaction went from about 20 ms to about
100 ms, and the screens' p99 from a command to the last client with 4–7× that of an idle sender, however
few threads sent (docs/alerts.md). In processes of their own (CONSOLE_ALERT_SEND_PROCESSES, default 2)
niced by SEND_NICENESS, the kernel gives serve's loop, its writer and the clients the CPU first.

A task is a few attempts (TASK_ATTEMPTS), sent side by side on the child's threads, so a slow gateway
holds back at most the others of its task; the processes take tasks as they free up. With 0 processes
the attempts are sent on threads of this process, one each (a test deployment: no processes to start).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from alerts.adapter import Delivery, send
from alerts.message import Message

log = logging.getLogger("console.alerts")

# How many attempts one task carries (and the child's threads per task).
TASK_ATTEMPTS = 4
# How much lower than serve the sending processes run (nice(2): 0 is the default, 19 the lowest).
SEND_NICENESS = 10
STOPPED = "the sending process stopped"
_PR_SET_PDEATHSIG = 1  # prctl(2)

_THREADS: ThreadPoolExecutor | None = None


def _child_started() -> None:
    """In each sending process, once: lower its priority, and ask to die with the process that started
    it (a serve killed with SIGKILL leaves no sender behind; its leased attempts are sent again once the
    lease runs out). apprise is imported with this module."""
    os.nice(SEND_NICENESS)
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _ready() -> int:
    return os.getpid()


def send_task(items: Sequence[tuple[str, Message]]) -> list[Delivery]:
    """In a sending process: send each (url, message) of a task side by side; their verdicts in order."""
    global _THREADS
    if _THREADS is None:
        _THREADS = ThreadPoolExecutor(TASK_ATTEMPTS, thread_name_prefix="alert-send")
    return list(_THREADS.map(lambda item: send(*item), items))


class Senders:
    """Sends attempts through apprise off the event loop: in `processes` processes of their own, or, with
    none, on up to `threads` threads of this process."""

    def __init__(self, processes: int, threads: int) -> None:
        self.processes = processes
        self.threads = threads
        self._pool: Executor | None = None

    def _executor(self) -> Executor:
        if self._pool is None:
            if self.processes:
                self._pool = ProcessPoolExecutor(
                    self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_child_started,
                )
            else:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="alert-send")
        return self._pool

    async def start(self) -> None:
        """Start the sending processes now, so the first page does not wait for them (nor a busy moment
        pay their start-up)."""
        if not self.processes:
            return
        loop = asyncio.get_running_loop()
        pool = self._executor()
        try:
            await asyncio.gather(*(loop.run_in_executor(pool, _ready) for _ in range(self.processes)))
        except BrokenProcessPool:
            log.exception("alert_senders_not_started")
            self.close()  # the next task starts them again

    async def send(self, items: Sequence[tuple[str, Message]]) -> list[Delivery]:
        """Each (url, message), in order. A sending process that died mid-task comes back as failed
        attempts (retried as any failure is), and the next task starts a new one."""
        loop = asyncio.get_running_loop()
        pool = self._executor()
        if not self.processes:
            return list(await asyncio.gather(*(loop.run_in_executor(pool, send, *item) for item in items)))
        try:
            return await loop.run_in_executor(pool, send_task, list(items))
        except BrokenProcessPool:
            log.warning("alert_sender_process_stopped", extra={"attempts": len(items)})
            self.close()
            return [Delivery(False, "FAILURE", STOPPED, 0) for _ in items]

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
