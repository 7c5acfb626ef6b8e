"""The reports' settings: who issues them, their fonts, and who receives each stage at each level.

All are CONSOLE_REPORT_* variables (console.settings keeps them in `Settings.extra`):

- CONSOLE_REPORT_ORGAN (发文机关标志), CONSOLE_REPORT_ORGAN_SHORT (署名、印发机关),
  CONSOLE_REPORT_NUMBER_PREFIX (文号, e.g. 县纪发), CONSOLE_REPORT_COPIES (抄送, comma-separated);
- CONSOLE_REPORT_FONT_TITLE / _BODY / _HEADING / _KAI: the office's licensed font files
  (方正小标宋, 仿宋_GB2312, 黑体, 楷体_GB2312); unset, Debian's Noto CJK stands in;
- CONSOLE_REPORT_RECIPIENTS_<STAGE>[_<LEVEL>] (e.g. CONSOLE_REPORT_RECIPIENTS_INITIAL_MAJOR): the
  recipients of a stage at a response level, comma-separated; unset, the playbook's obligation names
  them; CONSOLE_REPORT_DRILL_RECIPIENTS: who a drill's reports go to (never the real recipients);
- CONSOLE_REPORT_OFFICES_FILE: the organisation's offices file (reports.offices): which office receives
  which stages at which levels, and through which channels. When set, it decides the recipients and
  is how reports are delivered; the variables above name recipients only for phone delivery.
- CONSOLE_REPORT_DELIVERY_WORKER (on/off), CONSOLE_REPORT_LINK_HOURS (how long a download link in a
  notice is valid, default 72);
- CONSOLE_REPORT_STATISTICS_AUTO (month,quarter): which periodic statistics the console drafts by
  itself once their period is over (off: only by hand); CONSOLE_REPORT_STATISTICS_SEND_DAYS (5): by
  which day after the period they are to be sent (the 5th), after which the list shows them late;
- CONSOLE_REPORT_ATTEMPTS_PER_CHANNEL (3), CONSOLE_REPORT_BACKOFF_SECONDS (30, doubling after each
  failure) and CONSOLE_REPORT_BACKOFF_CAP_SECONDS (600): how a failed delivery is retried on a
  channel before the office's next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from playbooks.facts import Level
from playbooks.model import Recipient
from reports.document import Header
from reports.fonts import FontFiles
from reports.model import Stage
from reports.offices import OfficeBook, OfficesInvalid, parse_offices

from ..settings import Settings, SettingsError

RECIPIENT_LABELS: dict[Recipient, str] = {
    Recipient.PARTY_COMMITTEE_OFFICE: "县委办公室",
    Recipient.GOVERNMENT_OFFICE: "县政府办公室",
    Recipient.HIGHER_COMMISSION: "市纪委监委信访室",
    Recipient.RELEVANT_DEPARTMENTS: "有关部门",
}
DRILL_RECIPIENTS = ("演练观摩组",)


def _get(settings: Settings, name: str, default: str = "") -> str:
    return settings.extra.get(f"CONSOLE_REPORT_{name}", default).strip() or default


def _list(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.replace("，", ",").replace("、", ",").split(",") if p.strip())


def header(settings: Settings, addressees: tuple[str, ...] = ()) -> Header:
    """The office's header of its reports."""
    return Header(
        organ=_get(settings, "ORGAN", "中共××县纪律检查委员会"),
        organ_short=_get(settings, "ORGAN_SHORT", "县纪委监委信访室"),
        number_prefix=_get(settings, "NUMBER_PREFIX", "县纪发"),
        addressees=addressees or _list(_get(settings, "ADDRESSEES", "县委办公室,县政府办公室")),
        copies=_list(_get(settings, "COPIES")),
    )


def font_files(settings: Settings) -> FontFiles:
    """The licensed font files the office configured (None where it did not)."""

    def path(name: str) -> Path | None:
        value = _get(settings, f"FONT_{name}")
        return Path(value) if value else None

    return FontFiles(title=path("TITLE"), body=path("BODY"), heading=path("HEADING"), kai=path("KAI"))


def recipients(
    settings: Settings,
    stage: Stage,
    level: Level | None,
    obligation: tuple[Recipient, ...],
    *,
    drill: bool,
) -> tuple[str, ...]:
    """Who receives a report of this stage at this level (a drill's only the drill recipients)."""
    book = offices(settings)
    if book is not None:
        chosen_offices = book.recipients(stage.value, level.value if level else None, drill=drill)
        if chosen_offices or drill:
            return chosen_offices or DRILL_RECIPIENTS
    if drill:
        return _list(_get(settings, "DRILL_RECIPIENTS")) or DRILL_RECIPIENTS
    names = [f"RECIPIENTS_{stage.value.upper()}"]
    if level is not None:
        names.insert(0, f"RECIPIENTS_{stage.value.upper()}_{level.value.upper()}")
    for name in names:
        configured = _list(_get(settings, name))
        if configured:
            return configured
    if stage is Stage.STATISTICS:  # the periodic statistics go to the Party committee and the commission
        chosen = obligation or (Recipient.PARTY_COMMITTEE_OFFICE, Recipient.HIGHER_COMMISSION)
    else:
        chosen = obligation or (
            Recipient.PARTY_COMMITTEE_OFFICE,
            Recipient.GOVERNMENT_OFFICE,
            Recipient.HIGHER_COMMISSION,
        )
    return tuple(RECIPIENT_LABELS[r] for r in chosen)


@lru_cache(maxsize=8)
def _read_offices(path: str, mtime: float) -> OfficeBook:
    from alerts.adapter import check_url  # apprise vets each channel

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"CONSOLE_REPORT_OFFICES_FILE={path!r}: cannot read ({exc.strerror})") from None
    try:
        return parse_offices(text, check_url)
    except OfficesInvalid as exc:
        raise SettingsError(f"CONSOLE_REPORT_OFFICES_FILE={path!r}: {exc}") from None


def offices(settings: Settings) -> OfficeBook | None:
    """The organisation's offices file, or None when it has none (SettingsError when it is unusable)."""
    path = _get(settings, "OFFICES_FILE")
    if not path:
        return None
    try:
        mtime = Path(path).stat().st_mtime
    except OSError:
        raise SettingsError(f"CONSOLE_REPORT_OFFICES_FILE={path!r}: no such file") from None
    return _read_offices(path, mtime)


def delivery_worker(settings: Settings) -> bool:
    return _get(settings, "DELIVERY_WORKER", "on").lower() not in ("0", "off", "false", "no")


def link_hours(settings: Settings) -> float:
    raw = _get(settings, "LINK_HOURS", "72")
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"CONSOLE_REPORT_LINK_HOURS={raw!r}: expected a number of hours") from None
    if not 0 < value <= 24 * 31:
        raise SettingsError(f"CONSOLE_REPORT_LINK_HOURS={raw!r}: between 0 and 744 hours")
    return value


@dataclass(frozen=True)
class DeliveryRetry:
    """How often one channel is tried before the office's next, and how long between the tries."""

    attempts_per_channel: int = 3
    base_seconds: float = 30.0  # the pause after the first failure; it doubles after each further one
    cap_seconds: float = 600.0  # the longest pause


def _number(settings: Settings, name: str, default: float, least: float, most: float) -> float:
    raw = _get(settings, name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"CONSOLE_REPORT_{name}={raw!r}: expected a number") from None
    if not least <= value <= most:
        raise SettingsError(f"CONSOLE_REPORT_{name}={raw!r}: between {least:g} and {most:g}")
    return value


def delivery_retry(settings: Settings) -> DeliveryRetry:
    """The retry timing of report delivery, or SettingsError naming the variable at fault."""
    attempts = _number(settings, "ATTEMPTS_PER_CHANNEL", 3, 1, 20)
    if attempts != int(attempts):
        raw = _get(settings, "ATTEMPTS_PER_CHANNEL")
        raise SettingsError(f"CONSOLE_REPORT_ATTEMPTS_PER_CHANNEL={raw!r}: expected a whole number")
    base = _number(settings, "BACKOFF_SECONDS", 30, 0, 86_400)
    cap = _number(settings, "BACKOFF_CAP_SECONDS", max(600.0, base), 0, 86_400)
    if cap < base:
        raise SettingsError(
            f"CONSOLE_REPORT_BACKOFF_CAP_SECONDS={cap:g}: less than CONSOLE_REPORT_BACKOFF_SECONDS={base:g}"
        )
    return DeliveryRetry(attempts_per_channel=int(attempts), base_seconds=base, cap_seconds=cap)


@dataclass(frozen=True)
class StatisticsSchedule:
    """Which statistics the console drafts when their period ends, and by when they are to be sent."""

    months: bool = True
    quarters: bool = True
    send_days: int = 5


def statistics_schedule(settings: Settings) -> StatisticsSchedule:
    """The statistics schedule, or SettingsError naming the variable at fault."""
    raw = _get(settings, "STATISTICS_AUTO", "month,quarter").lower()
    kinds = set() if raw in ("0", "off", "false", "no", "none") else set(_list(raw))
    unknown = kinds - {"month", "quarter"}
    if unknown:
        raise SettingsError(
            f"CONSOLE_REPORT_STATISTICS_AUTO={raw!r}: month, quarter or both (comma-separated), or off"
        )
    days = _number(settings, "STATISTICS_SEND_DAYS", 5, 1, 31)
    if days != int(days):
        raw_days = _get(settings, "STATISTICS_SEND_DAYS")
        raise SettingsError(f"CONSOLE_REPORT_STATISTICS_SEND_DAYS={raw_days!r}: expected a whole number")
    return StatisticsSchedule(months="month" in kinds, quarters="quarter" in kinds, send_days=int(days))


def check_settings(settings: Settings) -> None:
    offices(settings)
    link_hours(settings)
    delivery_retry(settings)
    statistics_schedule(settings)
