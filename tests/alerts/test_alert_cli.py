"""`python -m console send-test-alert URL` through apprise to a local receiver."""

from __future__ import annotations

from pathlib import Path

from alert_receivers import HttpReceiver
from support import Deployment, cli, free_port


def test_a_test_message_is_delivered_and_a_bad_url_is_a_clear_error(
    tmp_path: Path, receiver: HttpReceiver
) -> None:
    env = Deployment(url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", data_dir=tmp_path).env
    delivered = cli(env, "send-test-alert", receiver.url("form", "cli-test-key-123"), check=False)
    assert delivered.returncode == 0, delivered.stdout + delivered.stderr
    assert "已送达" in delivered.stdout and "SUCCESS" in delivered.stdout
    assert "cli-test-key-123" not in delivered.stdout  # the URL is masked
    assert any("测试消息" in body for body in receiver.bodies("cli-test-key-123"))

    down = cli(env, "send-test-alert", f"json://127.0.0.1:{free_port()}/x", check=False)
    assert down.returncode == 1 and "未送达" in down.stdout

    bad = cli(env, "send-test-alert", "nonsense://", check=False)
    assert bad.returncode == 2
    assert "cannot use this channel" in bad.stderr and "Traceback" not in bad.stderr
