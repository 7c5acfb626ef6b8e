"""The alerts' commands. `python -m console send-test-alert URL`: a content-free Chinese test message
through apprise, for whoever sets up the bots. Exit 0 only if delivered; 1 if apprise could not deliver;
2 for a URL apprise cannot use (a clear message, no traceback). The URL is never printed back: it holds
the bot's key. `python -m console alert-worker`: a process that only sends."""

from __future__ import annotations

import asyncio
import faulthandler
import logging
import signal
import sys

from alerts.adapter import check_url, send
from alerts.channels import masked
from alerts.message import AlertFacts, Ask, compose

from ..settings import Settings

log = logging.getLogger("console.alerts")


def send_test_alert(url: str, locale: str = "zh_CN") -> int:
    """Send the test message; print apprise's verdict; return the exit status."""
    reason = check_url(url)
    if reason is not None:
        print(f"无法使用该渠道 cannot use this channel: {reason}", file=sys.stderr)
        return 2
    delivery = send(url, compose(AlertFacts(ask=Ask.TEST), locale))
    verdict = "已送达 delivered" if delivery.ok else "未送达 not delivered"
    print(f"{verdict}: {masked(url)} apprise={delivery.status} ({delivery.latency_ms} ms) {delivery.reason}")
    return 0 if delivery.ok else 1


def run_alert_worker(settings: Settings) -> int:
    """`python -m console alert-worker`: this process only sends (the outbox worker), against the
    deployment's database and with its settings, until SIGTERM or SIGINT. What it records reaches the
    serve processes' screens through the log (console.follower: PostgreSQL's wake-up, or the poll)."""
    from ..collector import settle
    from ..domains import registry
    from ..logs import configure
    from ..runtime import Runtime
    from .config import WorkerMode, alert_settings
    from .timer import sender

    configure(settings.log_level)
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    config = alert_settings(settings)
    if config.worker is WorkerMode.OFF:
        print("console: CONSOLE_ALERT_WORKER=off: nothing may be sent, so no sender runs", file=sys.stderr)
        return 2
    if config.worker is WorkerMode.ON:
        # Allowed (claims keep each attempt to one sender), but the serve processes send as well.
        log.warning("alert_worker_beside_serve_senders")
    if settings.is_sqlite:
        # SQLite has no wake-up between processes: the log is read this often for what serve wrote
        # (a read of nothing new is one cheap query, and in this process it costs the screens nothing).
        settings = settings.with_(poll_seconds=min(settings.poll_seconds, config.look_seconds))

    async def main() -> None:
        runtime = Runtime(settings, registry(), timers=(("alert-sender", sender),))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await runtime.start()
        settle()  # console/collector.py
        print("信访应急指挥台 告警发送进程 Incident Console alert worker: sending", flush=True)
        try:
            await stop.wait()
        finally:
            await runtime.stop()

    asyncio.run(main())
    return 0


def alert_worker_health(settings: Settings, within: float | None) -> int:
    """`python -m console alert-worker --health`: 0 if this host's alert worker looked at the outbox
    within `within` seconds (heartbeat.py), 1 with the reason if not."""
    from .heartbeat import STALE_AFTER_SECONDS, health, path_for

    found = health(path_for(settings.data_dir), STALE_AFTER_SECONDS if within is None else within)
    print(found.text, file=sys.stdout if found.ok else sys.stderr)
    return 0 if found.ok else 1
