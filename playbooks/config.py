"""The settings the playbooks read: the office's playbook directory and the grading thresholds.

The console's settings carry them as plain values (CONSOLE_PLAYBOOK_DIR, CONSOLE_GRADE_*); this module
turns them into what the engine takes, once per process, and names the variable when one is wrong.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import ValidationError

from console.settings import GRADE_ENV, Settings, SettingsError

from .directory import library
from .facts import GradingThresholds
from .loader import LIBRARY_DIR


def library_dir(settings: Settings) -> Path:
    """预案库: the office's own directory, or the built-in library when none is set."""
    return Path(settings.playbook_dir) if settings.playbook_dir else LIBRARY_DIR


def thresholds(settings: Settings) -> GradingThresholds:
    """定级阈值 of these settings (the defaults of playbooks.facts where none is set)."""
    return _thresholds(settings.grading_overrides, settings.timezone)


@cache
def _thresholds(overrides: tuple[tuple[str, int], ...], timezone: str) -> GradingThresholds:
    try:
        return GradingThresholds(**dict(overrides), timezone=timezone)
    except ValidationError as exc:
        by_field = {f: name for name, f in GRADE_ENV.items()} | {"timezone": "CONSOLE_TIMEZONE"}
        named = [
            (by_field.get(str(e["loc"][0]) if e["loc"] else "", "CONSOLE_GRADE_*"), e["msg"])
            for e in exc.errors()
        ]
        problems = "; ".join(f"{name}: {msg}" for name, msg in named)
        raise SettingsError(problems) from None


def check(settings: Settings) -> None:
    """Refuse settings the playbooks cannot use, naming the variable (the console exits 2), and load the
    library, so that a broken file is in the log at start and not at the first incident."""
    thresholds(settings)
    library(library_dir(settings))  # the directory reader logs what it cannot load
