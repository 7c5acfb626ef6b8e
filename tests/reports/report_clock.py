"""The servers' clock for the statistics tests: set to an instant of a month to come."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path


class MovedClock:
    """The servers' clock, set to an instant the test names (CONSOLE_CLOCK_FILE holds the offset)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.at(datetime.now(UTC))

    def at(self, when: datetime) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(str((when - datetime.now(UTC)).total_seconds()))
        tmp.replace(self.path)


def month_after(day: datetime) -> datetime:
    """The first instant (UTC) of the month after `day`'s."""
    return datetime(day.year + (day.month == 12), day.month % 12 + 1, 1, tzinfo=UTC)
