"""`python -m console send-test-alert URL` through apprise to a local receiver."""

from __future__ import annotations

from pathlib import Path

import pytest
from alert_receivers import HttpReceiver
from support import Deployment, cli, free_port

from console.cli import main


def test_a_test_message_is_delivered_and_a_bad_url_is_a_clear_error(
    tmp_path: Path,
    receiver: HttpReceiver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = Deployment(url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", data_dir=tmp_path).env
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["send-test-alert", receiver.url("form", "cli-test-key-123")]) == 0
    out = capsys.readouterr().out
    assert "已送达" in out and "SUCCESS" in out
    assert "cli-test-key-123" not in out  # the URL is masked
    assert any("测试消息" in body for body in receiver.bodies("cli-test-key-123"))

    assert main(["send-test-alert", f"json://127.0.0.1:{free_port()}/x"]) == 1
    assert "未送达" in capsys.readouterr().out

    bad = cli(env, "send-test-alert", "nonsense://", check=False)  # a real process: no traceback
    assert bad.returncode == 2
    assert "cannot use this channel" in bad.stderr and "Traceback" not in bad.stderr
