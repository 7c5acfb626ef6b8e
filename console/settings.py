"""Settings: one frozen object built from the environment; no other module reads os.environ."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

# argon2-cffi's defaults (RFC 9106's second recommendation): 3 passes over 64 MiB with 4 lanes.
DEFAULT_PASSWORD_TIME_COST = 3
DEFAULT_PASSWORD_MEMORY_KIB = 65536
PASSWORD_PARALLELISM = 4
# The least argon2 accepts: one pass over 8 KiB per lane.
MIN_PASSWORD_MEMORY_KIB = 8 * PASSWORD_PARALLELISM


@dataclass(frozen=True)
class Settings:
    """Everything the console can be told from outside, with the defaults of the embedded setup."""

    data_dir: Path
    database_url: str
    secret_key: str = field(repr=False)
    timezone: str = "Asia/Shanghai"
    locale: str = "zh_CN"
    incident_prefix: str = "XF"
    poll_seconds: float = 5.0
    replay_limit: int = 10_000
    # A replay larger than this much payload text costs more than a snapshot (tens of KB): the client
    # gets the snapshot instead, so a phone back from a long absence stays cheap. 0: no such bound.
    replay_max_chars: int = 256 * 1024
    queue_limit: int = 1024
    heartbeat_seconds: float = 20.0
    session_hours: float = 12.0
    cookie_secure: str = "auto"
    log_level: str = "INFO"
    # permessage-deflate costs a compressor per connection (CPU and ~50 KiB each); frames are small.
    ws_compression: bool = False
    # A clock offset in seconds lets tests and drills move "now" forward without touching the host clock.
    clock_offset_seconds: float = 0.0
    # A file holding a further offset in seconds, re-read while running (real-server tests move time
    # with it). Empty (the default) means no file is read.
    clock_file: str = ""
    # 定级阈值: the numbers the playbooks' grading rules name (CONSOLE_GRADE_*, see GRADE_ENV), as
    # (threshold name, value) pairs; the runs domain checks them as a whole (console.runs.settings).
    grading_overrides: tuple[tuple[str, int], ...] = ()
    # 预案库: the directory of playbook YAML files (CONSOLE_PLAYBOOK_DIR); empty means the built-in library.
    playbook_dir: str = ""
    # argon2 cost of new password hashes (CONSOLE_PASSWORD_TIME_COST, CONSOLE_PASSWORD_MEMORY_KIB); the
    # defaults are argon2-cffi's. A stored hash names its own cost, so changing these never locks anyone out.
    password_time_cost: int = DEFAULT_PASSWORD_TIME_COST
    password_memory_kib: int = DEFAULT_PASSWORD_MEMORY_KIB
    # Limits that hold with or without a reverse proxy in front: a connection must finish sending its
    # request headers within CONSOLE_HEADER_TIMEOUT_SECONDS, an idle keep-alive connection is closed
    # after CONSOLE_KEEP_ALIVE_SECONDS, at most CONSOLE_MAX_CONNECTIONS connections are served at once
    # (more get 503), and one user may hold at most CONSOLE_WS_PER_USER live connections per process.
    header_timeout_seconds: float = 10.0
    keep_alive_seconds: int = 5
    max_connections: int = 2000
    ws_per_user: int = 20
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (tests and the CLI use this)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _secret_key(data_dir: Path, env: Mapping[str, str]) -> str:
    if env.get("CONSOLE_SECRET_KEY"):
        return env["CONSOLE_SECRET_KEY"]
    # Generated once and kept under var/, so sessions survive a restart of the embedded setup.
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


class SettingsError(ValueError):
    """A setting in the environment that the console cannot use; the message names the variable."""


# Environment variable -> threshold name (playbooks.facts.GradingThresholds); unset ones keep the defaults.
GRADE_ENV = {
    "CONSOLE_GRADE_HEAD_COUNT_COLLECTIVE": "head_count_collective",
    "CONSOLE_GRADE_HEAD_COUNT_LARGER": "head_count_larger",
    "CONSOLE_GRADE_HEAD_COUNT_MAJOR": "head_count_major",
    "CONSOLE_GRADE_HEAD_COUNT_EXTRAORDINARY": "head_count_extraordinary",
    "CONSOLE_GRADE_MAX_REPRESENTATIVES": "max_representatives",
    "CONSOLE_GRADE_DUE_SOON_MINUTES": "due_soon_minutes",
    # 时限 the playbooks name with `due: {setting: ...}` (minutes)
    "CONSOLE_DEADLINE_EMERGENCY_CALL_MINUTES": "emergency_call_minutes",
    "CONSOLE_DEADLINE_LEADER_ACK_MINUTES": "leader_ack_minutes",
    "CONSOLE_DEADLINE_LOCAL_UNIT_TOWN_MINUTES": "local_unit_town_minutes",
    "CONSOLE_DEADLINE_LOCAL_UNIT_TOWNSHIP_MINUTES": "local_unit_township_minutes",
    "CONSOLE_DEADLINE_FIRST_REPORT_PHONE_MAJOR_MINUTES": "first_report_phone_minutes_major",
    "CONSOLE_DEADLINE_FIRST_REPORT_WRITTEN_MAJOR_MINUTES": "first_report_written_minutes_major",
    "CONSOLE_DEADLINE_FIRST_REPORT_PHONE_LARGER_MINUTES": "first_report_phone_minutes_larger",
    "CONSOLE_DEADLINE_FIRST_REPORT_WRITTEN_LARGER_MINUTES": "first_report_written_minutes_larger",
    "CONSOLE_DEADLINE_SEND_UP_WORKING_DAYS": "send_up_working_days",
    "CONSOLE_DEADLINE_SEND_UP_DIRECT_WORKING_DAYS": "send_up_direct_working_days",
    # 日报 (CONSOLE_TIMEZONE gives the zone these hours are read in)
    "CONSOLE_DAILY_REPORT_AFTER_HOURS": "daily_report_after_hours",
    "CONSOLE_DAILY_REPORT_MORNING_HOUR": "daily_report_morning_hour",
    "CONSOLE_DAILY_REPORT_AFTERNOON_HOUR": "daily_report_afternoon_hour",
    # 事件等级 (the event's own grade, stated in reports), apart from the response tier above
    "CONSOLE_EVENT_GRADE_HEAD_COUNT_LARGER": "event_head_count_larger",
    "CONSOLE_EVENT_GRADE_HEAD_COUNT_MAJOR": "event_head_count_major",
    "CONSOLE_EVENT_GRADE_HEAD_COUNT_EXTRAORDINARY": "event_head_count_extraordinary",
    "CONSOLE_EVENT_GRADE_SENSITIVE_SITE_LARGER": "event_sensitive_site_larger",
    "CONSOLE_EVENT_GRADE_SENSITIVE_SITE_MAJOR": "event_sensitive_site_major",
    "CONSOLE_EVENT_GRADE_SENSITIVE_SITE_EXTRAORDINARY": "event_sensitive_site_extraordinary",
}


def grading_overrides(env: Mapping[str, str]) -> tuple[tuple[str, int], ...]:
    """The grading thresholds set by CONSOLE_GRADE_* (whole numbers); the runs domain checks the rest."""
    values: list[tuple[str, int]] = []
    for name, field_name in GRADE_ENV.items():
        raw = env.get(name, "").strip()
        if not raw:
            continue
        try:
            values.append((field_name, int(raw)))
        except ValueError:
            raise SettingsError(f"{name}={raw!r}: expected a whole number") from None
    return tuple(values)


def _whole_number(env: Mapping[str, str], name: str, default: int, least: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a whole number") from None
    if value < least:
        raise SettingsError(f"{name}={raw!r}: must be at least {least}")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the environment (or from a mapping given by a test)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("CONSOLE_DATA_DIR", "var")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url = env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'console.db'}"
    if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
        database_url = "postgresql+asyncpg://" + database_url.split("://", 1)[1]
    raw_timeout = env.get("CONSOLE_HEADER_TIMEOUT_SECONDS", "").strip() or "10"
    try:
        header_timeout = float(raw_timeout)
    except ValueError:
        header_timeout = 0.0
    if not 0 < header_timeout < 3600:
        raise SettingsError(f"CONSOLE_HEADER_TIMEOUT_SECONDS={raw_timeout!r}: expected seconds above 0")
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=_secret_key(data_dir, env),
        timezone=env.get("CONSOLE_TIMEZONE", "Asia/Shanghai"),
        locale=env.get("CONSOLE_LOCALE", "zh_CN"),
        incident_prefix=env.get("CONSOLE_INCIDENT_PREFIX", "XF"),
        poll_seconds=float(env.get("CONSOLE_POLL_SECONDS", "5")),
        replay_limit=int(env.get("CONSOLE_REPLAY_LIMIT", "10000")),
        replay_max_chars=_whole_number(env, "CONSOLE_REPLAY_MAX_CHARS", 256 * 1024, 0),
        queue_limit=int(env.get("CONSOLE_QUEUE_LIMIT", "1024")),
        heartbeat_seconds=float(env.get("CONSOLE_HEARTBEAT_SECONDS", "20")),
        session_hours=float(env.get("CONSOLE_SESSION_HOURS", "12")),
        cookie_secure=env.get("CONSOLE_COOKIE_SECURE", "auto"),
        log_level=env.get("CONSOLE_LOG_LEVEL", "INFO"),
        ws_compression=env.get("CONSOLE_WS_COMPRESSION", "off").lower() in ("1", "on", "true", "yes"),
        clock_offset_seconds=float(env.get("CONSOLE_CLOCK_OFFSET_SECONDS", "0")),
        clock_file=env.get("CONSOLE_CLOCK_FILE", ""),
        grading_overrides=grading_overrides(env),
        playbook_dir=env.get("CONSOLE_PLAYBOOK_DIR", ""),
        password_time_cost=_whole_number(env, "CONSOLE_PASSWORD_TIME_COST", DEFAULT_PASSWORD_TIME_COST, 1),
        password_memory_kib=_whole_number(
            env, "CONSOLE_PASSWORD_MEMORY_KIB", DEFAULT_PASSWORD_MEMORY_KIB, MIN_PASSWORD_MEMORY_KIB
        ),
        header_timeout_seconds=header_timeout,
        keep_alive_seconds=_whole_number(env, "CONSOLE_KEEP_ALIVE_SECONDS", 5, 1),
        max_connections=_whole_number(env, "CONSOLE_MAX_CONNECTIONS", 2000, 1),
        ws_per_user=_whole_number(env, "CONSOLE_WS_PER_USER", 20, 1),
        # Every console variable, for the domains that read and check their own (console.reports.config,
        # console.alerts.config): the core does not know which domain needs which.
        extra={k: v for k, v in env.items() if k.startswith("CONSOLE_") and k != "CONSOLE_SECRET_KEY"},
    )
