"""The quiet-hours rule (pure), table-driven: which attempts wait, and until when (local time)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from alerts.channels import ChannelKind
from alerts.policy import PolicyError, parse_book
from alerts.quiet import QuietHours, QuietHoursError, held_until, parse_span

NIGHT = QuietHours(start="22:00", end="07:00")  # Asia/Shanghai, UTC+8
LUNCH = QuietHours(start="12:00", end="13:30")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: int, hhmm: str) -> datetime:
    """2026-12-<day> at HH:MM in Shanghai, as a UTC instant."""
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(2026, 12, day, h, m, tzinfo=SHANGHAI).astimezone(UTC)


# (quiet hours, urgent, channel kind, now local, expected release local or None)
CASES = [
    (NIGHT, False, ChannelKind.EMAIL, (2, "23:30"), (3, "07:00")),  # evening: held until the morning
    (NIGHT, False, ChannelKind.DINGTALK, (3, "02:15"), (3, "07:00")),  # after midnight: same morning
    (NIGHT, False, ChannelKind.WECOM, (2, "22:00"), (3, "07:00")),  # the first minute is quiet
    (NIGHT, False, ChannelKind.FEISHU, (3, "06:59"), (3, "07:00")),
    (NIGHT, False, ChannelKind.EMAIL, (3, "07:00"), None),  # the end is not quiet any more
    (NIGHT, False, ChannelKind.EMAIL, (2, "21:59"), None),
    (NIGHT, False, ChannelKind.EMAIL, (2, "12:00"), None),  # daytime
    (NIGHT, True, ChannelKind.EMAIL, (2, "23:30"), None),  # urgent ignores quiet hours
    (NIGHT, True, ChannelKind.DINGTALK, (3, "03:00"), None),
    (NIGHT, False, ChannelKind.IN_APP, (2, "23:30"), None),  # the console's own page is never held
    (NIGHT, False, ChannelKind.WEBHOOK, (2, "23:30"), None),  # SMS / voice gateways still ring
    (LUNCH, False, ChannelKind.EMAIL, (2, "12:45"), (2, "13:30")),  # a span within one day
    (LUNCH, False, ChannelKind.EMAIL, (2, "13:30"), None),
    (LUNCH, False, ChannelKind.EMAIL, (2, "11:59"), None),
    (None, False, ChannelKind.EMAIL, (2, "23:30"), None),  # no quiet hours: nothing waits
]


@pytest.mark.parametrize(("quiet", "urgent", "kind", "now", "until"), CASES)
def test_quiet_hours_hold_only_non_urgent_channels_that_can_wait(
    quiet: QuietHours | None,
    urgent: bool,
    kind: ChannelKind,
    now: tuple[int, str],
    until: tuple[int, str] | None,
) -> None:
    found = held_until(quiet, urgent=urgent, kind=kind, now=local(*now))
    assert found == (local(*until) if until else None)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("22:00-07:00", "22:00", "07:00"),
        (" 23:30 ~ 06:00 ", "23:30", "06:00"),
        ("12:00至13:30", "12:00", "13:30"),
    ],
)
def test_quiet_hours_are_written_as_a_span(text: str, start: str, end: str) -> None:
    quiet = parse_span(text, "Asia/Shanghai")
    assert (quiet.start, quiet.end, quiet.timezone) == (start, end, "Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "timezone", "says"),
    [
        ("22:00", "Asia/Shanghai", "HH:MM-HH:MM"),
        ("25:00-07:00", "Asia/Shanghai", "25:00"),
        ("07:00-07:00", "Asia/Shanghai", "same time"),
        ("22:00-07:00", "Mars/Olympus", "time zone"),
        ("晚上十点-早上七点", "Asia/Shanghai", "HH:MM-HH:MM"),
    ],
)
def test_unusable_quiet_hours_are_refused_with_the_reason(text: str, timezone: str, says: str) -> None:
    with pytest.raises(QuietHoursError, match=says):
        parse_span(text, timezone)


def test_a_policy_may_carry_quiet_hours_and_the_book_refuses_unusable_ones() -> None:
    text = """
default: calm
policies:
  - id: calm
    quiet_hours: {start: "22:00", end: "07:00"}
    levels: [{targets: [{role: leader_in_charge}], ack_timeout_minutes: 10}]
"""
    book = parse_book(text)
    assert book.for_type("collective_visit").quiet_hours == NIGHT
    with pytest.raises(PolicyError, match="quiet_hours"):
        parse_book(text.replace('end: "07:00"', 'end: "22:00"'))
