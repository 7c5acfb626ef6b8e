"""An office's own playbook directory: checked from the command line, edited while the console runs.

Editing a playbook never changes a run already going; a broken save neither stops the console nor
leaves the next incident without its playbook (the last good version serves until the file is fixed).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
from support import ROOT, Deployment, LocalServer, login
from test_runs import SIT_IN, post, register, run_view

from playbooks.loader import LIBRARY_DIR


def _copy_library(tmp_path: Path) -> Path:
    directory = tmp_path / "playbooks"
    shutil.copytree(LIBRARY_DIR, directory)
    return directory


def _check(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", "check-playbooks", str(directory)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_playbooks_names_file_line_and_field(tmp_path: Path) -> None:
    directory = _copy_library(tmp_path)
    ok = _check(directory)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "6 个预案通过校验" in ok.stdout

    path = directory / "sit_in.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == "due: {minutes: 3}")
    lines[at] = lines[at].replace("{minutes: 3}", "{minutes: soon}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    bad = _check(directory)
    assert bad.returncode == 1
    error = next(line for line in bad.stdout.splitlines() if line.startswith("错误"))
    assert f"sit_in.yaml:{at + 1}:" in error, error
    assert ".due.minutes" in error, error
    assert "5 个预案通过校验" in bad.stdout


def test_editing_and_breaking_a_playbook_while_the_console_runs(
    deployment: Deployment, tmp_path: Path
) -> None:
    directory = _copy_library(tmp_path)
    server = LocalServer(deployment, CONSOLE_PLAYBOOK_DIR=str(directory)).start()
    try:
        duty = login(server, "duty")
        first = register(server, duty)
        v1 = run_view(server, duty[0], first)["playbook"]
        assert v1["version"] == 3

        # The office publishes version 4 with a new title: new incidents get it, the running one does not.
        path = directory / "sit_in.yaml"
        text = path.read_text(encoding="utf-8")
        edited = text.replace("version: 3", "version: 4", 1).replace(
            "zh: 静坐、围堵、冲击党政机关大门、拦截领导车辆处置预案", "zh: 静坐围堵处置预案（第二版）", 1
        )
        assert edited != text
        path.write_text(edited, encoding="utf-8")
        second = register(server, duty)
        assert run_view(server, duty[0], second)["playbook"]["version"] == 4
        assert run_view(server, duty[0], second)["playbook"]["title"]["zh"] == "静坐围堵处置预案（第二版）"
        assert run_view(server, duty[0], first)["playbook"] == v1

        # A half-edited save: the console keeps serving, with the last good version for new incidents.
        path.write_text(edited.replace("steps:", "steps: [", 1), encoding="utf-8")
        third = register(server, duty)
        assert run_view(server, duty[0], third)["playbook"]["version"] == 4
        assert httpx.get(server.base + "/healthz").status_code == 200
        other = post(server, duty, "incident.register", {**SIT_IN, "type": "collective_visit", "facts": {}})
        assert other.status_code == 200, other.text
        assert run_view(server, duty[0], first)["playbook"] == v1
    finally:
        server.stop()
    log = server.log.read_text(encoding="utf-8")
    assert "playbook_invalid" in log and "sit_in.yaml" in log
