"""Who receives each stage at each level, the office's header and fonts: from CONSOLE_REPORT_* settings."""

from __future__ import annotations

from pathlib import Path

from console.reports.config import font_files, header, recipients
from console.settings import load_settings
from playbooks.facts import Level
from playbooks.model import Recipient
from reports.model import Stage

PLAYBOOK = (Recipient.PARTY_COMMITTEE_OFFICE, Recipient.HIGHER_COMMISSION)


def _settings(tmp_path: Path, **env: str) -> object:
    return load_settings({"CONSOLE_DATA_DIR": str(tmp_path), "CONSOLE_SECRET_KEY": "k", **env})


def test_recipients_by_stage_and_level_fall_back_to_the_playbook(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        CONSOLE_REPORT_RECIPIENTS_INITIAL="县委办公室,县政府办公室",
        CONSOLE_REPORT_RECIPIENTS_INITIAL_MAJOR="县委办公室、县政府办公室、市纪委监委信访室、市委办公室",
        CONSOLE_REPORT_DRILL_RECIPIENTS="演练组",
    )
    got = recipients(settings, Stage.INITIAL, Level.MAJOR, PLAYBOOK, drill=False)  # type: ignore[arg-type]
    assert got == ("县委办公室", "县政府办公室", "市纪委监委信访室", "市委办公室")
    got = recipients(settings, Stage.INITIAL, Level.GENERAL, PLAYBOOK, drill=False)  # type: ignore[arg-type]
    assert got == ("县委办公室", "县政府办公室")
    got = recipients(settings, Stage.FINAL, Level.GENERAL, PLAYBOOK, drill=False)  # type: ignore[arg-type]
    assert got == ("县委办公室", "市纪委监委信访室")
    # A drill never reaches the real recipients.
    assert recipients(settings, Stage.INITIAL, Level.MAJOR, PLAYBOOK, drill=True) == ("演练组",)  # type: ignore[arg-type]


def test_the_header_and_the_licensed_fonts_come_from_the_settings(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        CONSOLE_REPORT_ORGAN="中共甲县纪律检查委员会",
        CONSOLE_REPORT_NUMBER_PREFIX="甲纪发",
        CONSOLE_REPORT_COPIES="县委政法委，县公安局",
        CONSOLE_REPORT_FONT_BODY="/fonts/仿宋_GB2312.ttf",
    )
    made = header(settings, ("县委办公室",))  # type: ignore[arg-type]
    assert (made.organ, made.number_prefix, made.addressees) == (
        "中共甲县纪律检查委员会",
        "甲纪发",
        ("县委办公室",),
    )
    assert made.copies == ("县委政法委", "县公安局")
    files = font_files(settings)  # type: ignore[arg-type]
    assert files.body == Path("/fonts/仿宋_GB2312.ttf") and files.title is None


def test_delivery_retries_follow_the_settings_and_bad_values_stop_the_console(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    import pytest

    from console.reports.config import DeliveryRetry, check_settings, delivery_retry
    from console.reports.delivering import ChannelPlan, DeliveryState, next_attempt
    from console.settings import SettingsError

    assert delivery_retry(_settings(tmp_path)) == DeliveryRetry(3, 30.0, 600.0)  # type: ignore[arg-type]
    settings = _settings(
        tmp_path,
        CONSOLE_REPORT_ATTEMPTS_PER_CHANNEL="2",
        CONSOLE_REPORT_BACKOFF_SECONDS="5",
        CONSOLE_REPORT_BACKOFF_CAP_SECONDS="8",
    )
    retry = delivery_retry(settings)  # type: ignore[arg-type]
    assert retry == DeliveryRetry(2, 5.0, 8.0)
    now = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    mail, sms = ChannelPlan("email", "f1", "attachment"), ChannelPlan("sms", "f2", "link")

    def after(channel: int, attempt: int) -> tuple[int, int, str] | None:
        state = DeliveryState("d", "r", 1, "县委办公室", channel, attempt, "pending", (mail, sms))
        found = next_attempt(state, now, retry)
        return None if found is None else (found.channel_index, found.attempt_no, found.due_at)

    assert after(0, 1) == (0, 2, "2026-12-03T02:00:05.000000Z")  # 5 s after the first failure
    assert after(0, 2) == (1, 1, "2026-12-03T02:00:00.000000Z")  # two tries spent: the next channel
    assert after(1, 1) == (1, 2, "2026-12-03T02:00:05.000000Z")
    assert after(1, 2) is None
    longer = delivery_retry(_settings(tmp_path, CONSOLE_REPORT_ATTEMPTS_PER_CHANNEL="4"))  # type: ignore[arg-type]
    third = next_attempt(DeliveryState("d", "r", 1, "x", 0, 3, "pending", (mail,)), now, longer)
    assert third is not None and third.due_at == "2026-12-03T02:02:00.000000Z"  # 30 s doubled twice
    for name, value in (
        ("ATTEMPTS_PER_CHANNEL", "0"),
        ("ATTEMPTS_PER_CHANNEL", "2.5"),
        ("BACKOFF_SECONDS", "soon"),
        ("BACKOFF_SECONDS", "-1"),
        ("BACKOFF_CAP_SECONDS", "10"),  # below the 30 s pause
    ):
        with pytest.raises(SettingsError, match=f"CONSOLE_REPORT_{name}"):
            check_settings(_settings(tmp_path, **{f"CONSOLE_REPORT_{name}": value}))  # type: ignore[arg-type]


def test_the_statistics_schedule_follows_the_settings_and_bad_values_stop_the_console(
    tmp_path: Path,
) -> None:
    import pytest

    from console.reports.config import StatisticsSchedule, check_settings, statistics_schedule
    from console.settings import SettingsError

    def schedule(**env: str) -> StatisticsSchedule:
        return statistics_schedule(_settings(tmp_path, **env))  # type: ignore[arg-type]

    assert schedule() == StatisticsSchedule(months=True, quarters=True, send_days=5)
    assert schedule(CONSOLE_REPORT_STATISTICS_AUTO="quarter") == StatisticsSchedule(False, True, 5)
    assert schedule(CONSOLE_REPORT_STATISTICS_AUTO="off", CONSOLE_REPORT_STATISTICS_SEND_DAYS="10") == (
        StatisticsSchedule(False, False, 10)
    )
    for name, value in (("AUTO", "weekly"), ("SEND_DAYS", "0"), ("SEND_DAYS", "2.5"), ("SEND_DAYS", "x")):
        with pytest.raises(SettingsError, match=f"CONSOLE_REPORT_STATISTICS_{name}"):
            check_settings(_settings(tmp_path, **{f"CONSOLE_REPORT_STATISTICS_{name}": value}))  # type: ignore[arg-type]
