"""`python -m console alert-worker --health`: the sender serves no HTTP, so its container's health check
asks whether it looked at the outbox lately (console/alerts/heartbeat.py). Before a sender ever looked it
is unhealthy; a running sender is healthy; a sender that stops looking (here, stopped with SIGSTOP, as a
hung process would be) is unhealthy again once its last look is older than the limit."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from support import ROOT, Deployment, cli_in_process


def until(check: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_the_health_check_follows_the_senders_looks(
    deployment: Deployment, capsys: Any, monkeypatch: Any
) -> None:
    env = {**deployment.env, "CONSOLE_ALERT_WORKER": "process"}

    def health(*extra: str) -> Any:
        return cli_in_process(
            env, "alert-worker", "--health", *extra, capture=capsys, monkeypatch=monkeypatch
        )

    never = health()
    assert never.returncode == 1 and "尚未查看过发件箱" in never.stderr and "Traceback" not in never.stderr
    log = deployment.data_dir / "sender.log"
    with open(log, "wb") as out:
        sender = subprocess.Popen(
            [sys.executable, "-m", "console", "alert-worker"], env=env, cwd=ROOT, stdout=out, stderr=out
        )
    try:
        until(lambda: health().returncode == 0, "the running sender is healthy")
        assert "告警发送进程正常" in health().stdout
        sender.send_signal(signal.SIGSTOP)  # hung: it no longer looks at anything
        until(lambda: health("--within", "1").returncode == 1, "a sender that stopped looking is unhealthy")
        stale = health("--within", "1")
        assert "秒未查看发件箱" in stale.stderr and f"pid {sender.pid}" in stale.stderr
        sender.send_signal(signal.SIGCONT)
    finally:
        sender.terminate()
        sender.wait(timeout=30)
