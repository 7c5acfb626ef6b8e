"""Clocks: the only place that reads the wall clock. Pure code takes `now` instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock in UTC, optionally shifted (drills and tests move time forward this way)."""

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self.offset = timedelta(seconds=offset_seconds)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class FixedClock:
    """A clock that only moves when told to; for tests of pure code."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def plausible(dt: datetime) -> datetime:
    """An instant a user could mean (2000–2100); pydantic turns the ValueError into a field error."""
    if not EARLIEST <= dt <= LATEST:
        raise ValueError("instant out of range")
    return dt


def utc_iso(dt: datetime) -> str:
    """The one text form of an instant used in payloads, hashes and the protocol."""
    return dt.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
