"""Quiet hours (免打扰时段): at night a non-urgent alert holds back the channels that can wait (e-mail, IM)
until the quiet hours end; an urgent one pages at once on every channel (issue 13: "urgent ignores quiet
hours and repeats"). The console's own in-app page and the SMS/voice gateways are never held.

Pure: the rule takes the quiet hours, the alert's urgency, the channel's kind and `now`.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .channels import ChannelKind

_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
_SPAN = re.compile(r"^\s*(\d{2}:\d{2})\s*[-–~至]\s*(\d{2}:\d{2})\s*$")

# The channels that can wait for the morning: e-mail and the IM bots.
HELD_KINDS: tuple[ChannelKind, ...] = (
    ChannelKind.EMAIL,
    ChannelKind.DINGTALK,
    ChannelKind.WECOM,
    ChannelKind.FEISHU,
)


class QuietHoursError(ValueError):
    """Quiet hours that cannot be used; the message says why."""


class QuietHours(BaseModel):
    """From `start` to `end` local time (across midnight when `start` is later), `hold` kinds wait."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: str = Field(pattern=_HHMM)
    end: str = Field(pattern=_HHMM)
    timezone: str = "Asia/Shanghai"
    hold: tuple[ChannelKind, ...] = HELD_KINDS

    @model_validator(mode="after")
    def _usable(self) -> Self:
        if self.start == self.end:
            raise ValueError("quiet hours start and end at the same time")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        if ChannelKind.IN_APP in self.hold:
            raise ValueError("the in-app page is never held")
        return self


def parse_span(text: str, timezone: str) -> QuietHours:
    """Quiet hours written as 'HH:MM-HH:MM' (e.g. 22:00-07:00), or QuietHoursError."""
    found = _SPAN.match(text)
    if found is None:
        raise QuietHoursError("write quiet hours as HH:MM-HH:MM, e.g. 22:00-07:00")
    try:
        return QuietHours(start=found[1], end=found[2], timezone=timezone)
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise QuietHoursError(f"{text.strip()}: {message}") from None


def _clock(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def quiet_until(quiet: QuietHours, now: datetime) -> datetime | None:
    """When the quiet hours `now` falls in end (UTC-aware as `now`), or None outside them."""
    tz = ZoneInfo(quiet.timezone)
    local = now.astimezone(tz)
    start, end, t = _clock(quiet.start), _clock(quiet.end), local.time()
    if start < end:
        inside = start <= t < end
        end_day = local.date()
    else:  # across midnight: from the evening to the next morning
        inside = t >= start or t < end
        end_day = local.date() + timedelta(days=1) if t >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(now.tzinfo)


def held_until(
    quiet: QuietHours | None, *, urgent: bool, kind: ChannelKind | str, now: datetime
) -> datetime | None:
    """Until when an attempt on a channel of this kind waits, or None: it goes now."""
    if quiet is None or urgent or ChannelKind(kind) not in quiet.hold:
        return None
    return quiet_until(quiet, now)
