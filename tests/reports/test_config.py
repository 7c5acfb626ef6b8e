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
