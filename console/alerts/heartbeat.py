"""Whether an alert-worker process is still looking at the outbox (`alert-worker --health`).

A sender serves no HTTP, so it has no `/healthz`: instead, each look at the outbox that reached the
database touches a file in the data directory, and the health check asks how long ago that was. The
worker looks at least every IDLE_LOOK_SECONDS however quiet the office is, so a file older than a few of
those means the process is stuck, or cannot reach the database, whatever its container says.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from .timer import IDLE_LOOK_SECONDS

# Three missed idle looks: one slow database round is not a failure, a minute and a half without any is.
STALE_AFTER_SECONDS = 3 * IDLE_LOOK_SECONDS
# A busy worker looks many times a second; the file need not say so each time.
WRITE_EVERY_SECONDS = 5.0


def path_for(data_dir: Path) -> Path:
    """The file of this host's sender (one per container; senders on one host share it)."""
    return data_dir / f"alert-worker.{socket.gethostname()}.alive"


class Heartbeat:
    """Touches the file after a look that reached the database, at most every WRITE_EVERY_SECONDS."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._written = -float("inf")

    def looked(self) -> None:
        now = time.monotonic()
        if now - self._written < WRITE_EVERY_SECONDS:
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(f"{os.getpid()}\n", encoding="utf-8")
        tmp.replace(self.path)  # the check never reads a half-written file
        self._written = now


@dataclass(frozen=True)
class Health:
    ok: bool
    text: str


def health(path: Path, within: float = STALE_AFTER_SECONDS, now: float | None = None) -> Health:
    """Whether the sender looked at the outbox within the last `within` seconds (from the file's time)."""
    try:
        stat = path.stat()
        pid = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return Health(False, f"告警发送进程尚未查看过发件箱 the alert worker has not looked yet ({path})")
    age = (time.time() if now is None else now) - stat.st_mtime
    if age > within:
        return Health(
            False,
            f"告警发送进程已 {age:.0f} 秒未查看发件箱 "
            f"the alert worker (pid {pid}) last looked {age:.0f} s ago",
        )
    return Health(True, f"告警发送进程正常 the alert worker (pid {pid}) looked {age:.0f} s ago")
