"""The alerts' settings (CONSOLE_ALERT_*), read from the process's settings and checked at start."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from alerts.schedule import RetryPolicy

from ..settings import Settings, SettingsError


class WorkerMode(StrEnum):
    """Who sends (CONSOLE_ALERT_WORKER)."""

    ON = "on"  # every serve process sends and escalates (one process: `make run`, the demo)
    OFF = "off"  # nobody sends or escalates (test deployments: the log holds only what a test made)
    # Sending is done by `python -m console alert-worker` processes of its own; serve processes only
    # escalate (an escalation's in-app page is then published by the process its screens are on).
    PROCESS = "process"


_MODES = {
    "on": WorkerMode.ON,
    "1": WorkerMode.ON,
    "true": WorkerMode.ON,
    "yes": WorkerMode.ON,
    "off": WorkerMode.OFF,
    "0": WorkerMode.OFF,
    "false": WorkerMode.OFF,
    "no": WorkerMode.OFF,
    "process": WorkerMode.PROCESS,
}


@dataclass(frozen=True)
class AlertSettings:
    retry: RetryPolicy
    lease_seconds: float  # how long a claimed attempt is held before another process may take it
    link_minutes: float  # how long an acknowledge link is valid
    base_url: str  # how recipients reach the console (the links in messages)
    look_seconds: float  # how often the worker looks for due attempts
    worker: WorkerMode  # who sends: serve processes, nobody, or alert-worker processes
    batch: int  # attempts claimed at once
    # Processes apprise runs in (console.alerts.sending); 0: threads of the worker's own process.
    send_processes: int


def _number(extra: dict[str, str], name: str, default: float, least: float) -> float:
    raw = extra.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a number") from None
    if value < least:
        raise SettingsError(f"{name}={raw!r}: must be at least {least:g}")
    return value


def _mode(raw: str) -> WorkerMode:
    value = raw.strip().lower() or "on"
    if value not in _MODES:
        raise SettingsError(f"CONSOLE_ALERT_WORKER={raw!r}: expected on, off or process")
    return _MODES[value]


def alert_settings(settings: Settings) -> AlertSettings:
    """The alert settings, or SettingsError naming the variable at fault."""
    extra = dict(settings.extra)
    retry = RetryPolicy(
        attempts_per_channel=int(_number(extra, "CONSOLE_ALERT_ATTEMPTS_PER_CHANNEL", 3, 1)),
        base_seconds=_number(extra, "CONSOLE_ALERT_BACKOFF_SECONDS", 5, 0),
        cap_seconds=_number(extra, "CONSOLE_ALERT_BACKOFF_CAP_SECONDS", 300, 0),
    )
    base_url = extra.get("CONSOLE_ALERT_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise SettingsError(f"CONSOLE_ALERT_BASE_URL={base_url!r}: expected http(s)://…")
    return AlertSettings(
        retry=retry,
        lease_seconds=_number(extra, "CONSOLE_ALERT_LEASE_SECONDS", 60, 1),
        link_minutes=_number(extra, "CONSOLE_ALERT_LINK_MINUTES", 120, 1),
        base_url=base_url,
        look_seconds=_number(extra, "CONSOLE_ALERT_LOOK_SECONDS", 0.5, 0.01),
        worker=_mode(extra.get("CONSOLE_ALERT_WORKER", "")),
        batch=int(_number(extra, "CONSOLE_ALERT_BATCH", 32, 1)),
        send_processes=int(_number(extra, "CONSOLE_ALERT_SEND_PROCESSES", 2, 0)),
    )


def check_settings(settings: Settings) -> None:
    from .books import file_book  # the policy book is checked at start too, naming file and field

    alert_settings(settings)
    file_book(settings)
