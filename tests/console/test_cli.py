"""The command line: every subcommand has help; users, tokens, seed and backup work on a real database."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from support import Deployment, cli

SUBCOMMANDS = [
    "serve",
    "migrate",
    "create-user",
    "create-token",
    "seed-demo",
    "rebuild",
    "verify-log",
    "backup",
    "import-targets",
]


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help(name: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = cli({"CONSOLE_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}, name, "--help")
    assert out.returncode == 0 and "usage:" in out.stdout


def test_seed_demo_users_and_backup(deployment: Deployment, backend: str) -> None:
    out = cli(deployment.env, "seed-demo")
    assert "duty" in out.stdout and "demo-2026" in out.stdout
    again = cli(deployment.env, "seed-demo")
    assert "已创建演示用户" not in again.stdout  # idempotent
    made = cli(
        deployment.env, "create-user", "wang", "--roles", "duty_officer,leader", "--password", "pw-123456"
    )
    assert "wang" in made.stdout
    bad = cli(deployment.env, "create-user", "li", "--roles", "emperor", "--password", "x", check=False)
    assert bad.returncode != 0
    token = cli(deployment.env, "create-token", "wang").stdout.strip()
    assert token.startswith("ict_")
    target = deployment.data_dir / "backup.db"
    if backend == "postgres" and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed")
    cli(deployment.env, "backup", "--output", str(target))
    assert target.stat().st_size > 0
    if backend == "sqlite":
        with sqlite3.connect(target) as conn:
            # the demo organisation (units, places, people, roster: one import each) and two incidents
            # ... and the demo inspector's units (review.set_inspector_units)
            assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 4 + 2 + 1
