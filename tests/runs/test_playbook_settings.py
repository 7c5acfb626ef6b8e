"""Every playbook limit is a setting: each CONSOLE_* variable reaches the thresholds the engine reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.settings import GRADE_ENV, SettingsError, load_settings
from playbooks.config import thresholds
from playbooks.facts import GradingThresholds


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"CONSOLE_DATA_DIR": str(tmp_path), "CONSOLE_SECRET_KEY": "k", **values}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CONSOLE_DEADLINE_LOCAL_UNIT_TOWN_MINUTES", 25),
        ("CONSOLE_DEADLINE_LOCAL_UNIT_TOWNSHIP_MINUTES", 40),
        ("CONSOLE_DEADLINE_EMERGENCY_CALL_MINUTES", 1),
        ("CONSOLE_DEADLINE_LEADER_ACK_MINUTES", 8),
        ("CONSOLE_DEADLINE_FIRST_REPORT_PHONE_MAJOR_MINUTES", 10),
        ("CONSOLE_DEADLINE_SEND_UP_WORKING_DAYS", 3),
        ("CONSOLE_DAILY_REPORT_AFTER_HOURS", 12),
        ("CONSOLE_EVENT_GRADE_HEAD_COUNT_EXTRAORDINARY", 5000),
    ],
)
def test_a_variable_sets_its_limit(tmp_path: Path, variable: str, value: int) -> None:
    settings = load_settings(_env(tmp_path, **{variable: str(value)}))
    assert getattr(thresholds(settings), GRADE_ENV[variable]) == value


def test_every_variable_names_a_threshold() -> None:
    assert set(GRADE_ENV.values()) <= set(GradingThresholds.model_fields)


def test_the_daily_hours_are_read_in_the_consoles_time_zone(tmp_path: Path) -> None:
    settings = load_settings(_env(tmp_path, CONSOLE_TIMEZONE="Asia/Urumqi"))
    assert thresholds(settings).timezone == "Asia/Urumqi"


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"CONSOLE_GRADE_MAX_REPRESENTATIVES": "6"}, "CONSOLE_GRADE_MAX_REPRESENTATIVES"),
        ({"CONSOLE_DAILY_REPORT_MORNING_HOUR": "25"}, "CONSOLE_DAILY_REPORT_MORNING_HOUR"),
        ({"CONSOLE_DEADLINE_LOCAL_UNIT_TOWN_MINUTES": "soon"}, "CONSOLE_DEADLINE_LOCAL_UNIT_TOWN_MINUTES"),
    ],
)
def test_a_limit_the_console_cannot_use_names_its_variable(
    tmp_path: Path, values: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        thresholds(load_settings(_env(tmp_path, **values)))
