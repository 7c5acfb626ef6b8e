"""Clocks: the only place that reads the wall clock. Pure code takes `now` instead."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock in UTC, optionally shifted (drills and tests move time forward this way).

    `offset_file` (CONSOLE_CLOCK_FILE, never set by default) holds a further offset in seconds that a
    test may rewrite while the server runs; it is read again only when the file's mtime changes.
    """

    def __init__(self, offset_seconds: float = 0.0, offset_file: str = "") -> None:
        self.offset = timedelta(seconds=offset_seconds)
        self.offset_file = offset_file
        self._stamp: int | None = None
        self._file_offset = timedelta(0)

    def _from_file(self) -> timedelta:
        try:
            stamp = os.stat(self.offset_file).st_mtime_ns
        except OSError:
            return self._file_offset
        if stamp != self._stamp:
            try:
                with open(self.offset_file, encoding="ascii") as f:
                    self._file_offset = timedelta(seconds=float(f.read().strip() or 0))
                self._stamp = stamp
            except (OSError, ValueError, UnicodeDecodeError):
                pass  # half-written: keep the last offset and read it again next time
        return self._file_offset

    @property
    def movable(self) -> bool:
        """True when time may jump (a clock file is set): timers then look again every second."""
        return bool(self.offset_file)

    def now(self) -> datetime:
        extra = self._from_file() if self.offset_file else timedelta(0)
        return datetime.now(UTC) + self.offset + extra


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
