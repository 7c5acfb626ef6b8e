"""Settings from the environment: the password hashing cost, its defaults and the refusal of bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.auth import passwords
from console.settings import (
    DEFAULT_PASSWORD_MEMORY_KIB,
    DEFAULT_PASSWORD_TIME_COST,
    MIN_PASSWORD_MEMORY_KIB,
    SettingsError,
    load_settings,
)


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"CONSOLE_DATA_DIR": str(tmp_path), "CONSOLE_SECRET_KEY": "k", **extra}


def test_password_cost_defaults_to_argon2s_own(tmp_path: Path) -> None:
    settings = load_settings(env(tmp_path))
    assert (settings.password_time_cost, settings.password_memory_kib) == (
        DEFAULT_PASSWORD_TIME_COST,
        DEFAULT_PASSWORD_MEMORY_KIB,
    )
    assert "$m=65536,t=3,p=4$" in passwords(settings).hash("pw")


def test_the_lowest_cost_hashes_and_verifies_and_old_hashes_still_verify(tmp_path: Path) -> None:
    cheapest = {
        "CONSOLE_PASSWORD_TIME_COST": "1",
        "CONSOLE_PASSWORD_MEMORY_KIB": str(MIN_PASSWORD_MEMORY_KIB),
    }
    low = load_settings(env(tmp_path, **cheapest))
    stored = passwords(low).hash("correct")
    assert f"$m={MIN_PASSWORD_MEMORY_KIB},t=1,p=4$" in stored
    assert passwords(low).verify(stored, "correct") and not passwords(low).verify(stored, "wrong")
    assert not passwords(low).verify(None, "correct")  # no such user
    # A hash names its own cost: one made at the default cost verifies under the low setting too.
    assert passwords(low).verify(passwords(load_settings(env(tmp_path))).hash("old"), "old")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("CONSOLE_PASSWORD_TIME_COST", "0", "at least 1"),
        ("CONSOLE_PASSWORD_TIME_COST", "fast", "whole number"),
        ("CONSOLE_PASSWORD_TIME_COST", "1.5", "whole number"),
        ("CONSOLE_PASSWORD_MEMORY_KIB", "16", f"at least {MIN_PASSWORD_MEMORY_KIB}"),
        ("CONSOLE_PASSWORD_MEMORY_KIB", "64M", "whole number"),
    ],
)
def test_a_cost_argon2_cannot_use_is_refused_with_its_name(
    tmp_path: Path, name: str, value: str, says: str
) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(env(tmp_path, **{name: value}))
    assert name in str(err.value) and says in str(err.value)
