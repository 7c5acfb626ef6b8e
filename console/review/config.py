"""The review's settings (CONSOLE_REVIEW_*), read from the process's settings and checked at start.

- CONSOLE_REVIEW_CLOSE_DAYS (60): within how many days of its registration a matter must be concluded
  for 按期结案率 (《信访工作条例》第三十二条: 自受理之日起60日内办结). An office whose province sets a
  shorter limit, or a drill of the rule, changes it here; the pure core (`review.figures`) is given the
  number and never reads the environment.
"""

from __future__ import annotations

from review.figures import CLOSE_DAYS

from ..settings import Settings, SettingsError

CLOSE_DAYS_ENV = "CONSOLE_REVIEW_CLOSE_DAYS"
# Longer than a year would make a year's 按期结案率 count nothing closed late within that year.
MAX_CLOSE_DAYS = 366


def close_days(settings: Settings) -> int:
    """The closure limit in days, or SettingsError naming the variable at fault."""
    raw = settings.extra.get(CLOSE_DAYS_ENV, "").strip()
    if not raw:
        return CLOSE_DAYS
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{CLOSE_DAYS_ENV}={raw!r}: expected a whole number of days") from None
    if not 1 <= value <= MAX_CLOSE_DAYS:
        raise SettingsError(f"{CLOSE_DAYS_ENV}={raw!r}: expected 1 to {MAX_CLOSE_DAYS} days")
    return value


def check_settings(settings: Settings) -> None:
    close_days(settings)
