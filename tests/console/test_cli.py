"""The command line: every subcommand has help; users, tokens, seed and backup work on a real database.

The subcommands run in the test's process (support.cli_in_process: the same parser, settings and
commands); one run goes through `python -m console`, the entry point an operator types."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from support import Deployment, Ran, cli, cli_in_process

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
def test_every_subcommand_has_help(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = cli_in_process(
        {"CONSOLE_DATA_DIR": str(tmp_path)}, name, "--help", capture=capsys, monkeypatch=monkeypatch
    )
    assert out.returncode == 0 and "usage:" in out.stdout


def test_python_m_console_is_the_command_line(tmp_path: Path) -> None:
    """The entry point itself, as its own process with nothing configured: help needs no database."""
    out = cli({"CONSOLE_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}, "seed-demo", "--help")
    assert out.returncode == 0 and "usage:" in out.stdout and "seed-demo" in out.stdout


def test_seed_demo_users_and_backup(
    deployment: Deployment, backend: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(*args: str) -> Ran:
        return cli_in_process(deployment.env, *args, capture=capsys, monkeypatch=monkeypatch)

    out = run("seed-demo")
    assert out.returncode == 0, out.stderr
    assert "duty" in out.stdout and "demo-2026" in out.stdout
    again = run("seed-demo")
    assert again.returncode == 0 and "已创建演示用户" not in again.stdout  # idempotent
    made = run("create-user", "wang", "--roles", "duty_officer,leader", "--password", "pw-123456")
    assert made.returncode == 0 and "wang" in made.stdout
    bad = run("create-user", "li", "--roles", "leader,emperor", "--password", "x")
    # A usage error naming the role, not a traceback; and no user li was made.
    assert bad.returncode == 2 and "emperor" in bad.stderr and "Traceback" not in bad.stderr
    assert run("create-token", "li").returncode != 0
    token = run("create-token", "wang")
    assert token.returncode == 0 and token.stdout.strip().startswith("ict_")
    target = deployment.data_dir / "backup.db"
    if backend == "postgres" and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed")
    assert run("backup", "--output", str(target)).returncode == 0
    assert target.stat().st_size > 0
    if backend == "sqlite":
        with sqlite3.connect(target) as conn:
            # the demo organisation (units, places, people, roster: one import each) and two incidents
            # ... and the demo inspector's units (review.set_inspector_units)
            assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 4 + 2 + 1
