"""Sending from a process of its own: `python -m console alert-worker` beside `serve` with
CONSOLE_ALERT_WORKER=process. Two such senders send each attempt once; what they record reaches the
serve process's screens through the log, in order and once; a sender killed mid-send (SIGKILL) loses
nothing, and only the attempt in flight goes out again, with the same dedupe key."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from alert_console import PEOPLE, PLACES, UNITS
from alert_receivers import HttpReceiver
from sqlalchemy import Row, select
from support import ROOT, STOP_SECONDS, Deployment, LiveClient, Server, cli, command_id, login, server_events

from console.alerts.tables import alert_outbox
from console.db import open_database

REF = re.compile(r"参考码: ([0-9a-f]{24})")
READY = "alert worker: sending"


class Sender:
    """An alert-worker process on the deployment's database, killable like a real crash."""

    def __init__(self, deployment: Deployment, name: str, **extra_env: str) -> None:
        self.env = {**deployment.env, **extra_env}
        self.log = deployment.data_dir / f"sender-{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Sender:
        return self.spawn().wait_ready()

    def spawn(self) -> Sender:
        """Start the process without waiting for it: several then boot side by side."""
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "console", "alert-worker"],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self) -> Sender:
        assert self.proc is not None, "spawn() first"
        deadline = time.monotonic() + 30
        while READY not in _text(self.log):
            if self.proc.poll() is not None:
                raise RuntimeError(f"sender exited: {_text(self.log)[-2000:]}")
            assert time.monotonic() < deadline, "the sender did not start"
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            assert self.proc.wait(timeout=STOP_SECONDS) == 0, _text(self.log)[-4000:]
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
            raise AssertionError(f"sender did not stop on SIGTERM:\n{_text(self.log)[-4000:]}") from None


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _post(server: Server, cookie: str, csrf: str, name: str, args: dict[str, object]) -> None:
    r = httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": name, "args": args},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["ok"], r.text


async def _read_outbox(deployment: Deployment) -> list[Row[Any]]:
    db = open_database(deployment.settings)
    try:
        async with db.read.connect() as conn:
            return list((await conn.execute(select(alert_outbox))).all())
    finally:
        await db.dispose()


def _outbox(deployment: Deployment) -> list[Row[Any]]:
    return asyncio.run(_read_outbox(deployment))


async def _all_delivered(deployment: Deployment, count: int, timeout: float = 60) -> list[Row[Any]]:
    deadline = time.monotonic() + timeout
    while True:
        rows = await _read_outbox(deployment)
        if len(rows) == count and {r.state for r in rows} == {"delivered"}:
            return rows
        assert time.monotonic() < deadline, [r.state for r in rows]
        await asyncio.sleep(0.05)


def _wait(check: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _organisation(server: Server, receiver_url: str) -> tuple[str, str]:
    cookie, csrf = login(server, "admin")
    for table, text in (("units", UNITS), ("places", PLACES), ("people", PEOPLE)):
        _post(server, cookie, csrf, "org.import", {"table": table, "text": text})
    _post(server, cookie, csrf, "alert.set_channels", {"person_id": "leader", "channels": [receiver_url]})
    return login(server, "duty")


SIT_IN = {"type": "sit_in", "place": "机关大门", "head_count": 30, "summary": "静坐"}


async def test_two_sender_processes_send_each_attempt_once_and_serve_shows_their_records_in_order(
    alert_deployment: Deployment, receiver: HttpReceiver
) -> None:
    path = f"procs-{alert_deployment.url[-12:]}"
    common = {"CONSOLE_ALERT_WORKER": "process", "CONSOLE_ALERT_LOOK_SECONDS": "0.1"}
    # On SQLite serve learns of the senders' commits by its poll (on PostgreSQL by NOTIFY).
    serve = Server(alert_deployment, **common, CONSOLE_POLL_SECONDS="0.2")
    senders = [Sender(alert_deployment, n, **common, CONSOLE_ALERT_BATCH="2") for n in ("a", "b")]
    try:
        # The three processes boot side by side (each start is a second or two of imports); nothing is
        # sent before the incidents below are registered.
        serve.spawn()
        for sender in senders:
            sender.spawn()
        serve.wait_ready()
        duty_cookie, duty_csrf = _organisation(serve, receiver.url("json", path))
        admin_cookie, _ = login(serve, "admin")
        screen = LiveClient(serve.ws_url, admin_cookie)  # an admin's screen: the audit stream
        await screen.connect()
        for sender in senders:
            sender.wait_ready()
        for _ in range(10):
            _post(serve, duty_cookie, duty_csrf, "incident.register", SIT_IN)
        rows = await _all_delivered(alert_deployment, 10)
        keys = Counter(k for body in receiver.bodies(path) for k in REF.findall(body))
        assert keys == {r.id: 1 for r in rows}  # each attempt went out once

        # The senders' records reach the screens of serve through the log: in order, each once.
        log = server_events(serve, admin_cookie)
        recorded = [e for e in log if e["event"] == "alert.attempt_recorded"]
        assert sorted(e["data"]["outbox_id"] for e in recorded) == sorted(r.id for r in rows)
        await screen.wait_position(log[-1]["position"])
        start = screen.snapshots[-1]["position"] if screen.snapshots else 0
        assert [e["position"] for e in screen.events] == [e["position"] for e in log if e["position"] > start]
        assert screen.events == [e for e in log if e["position"] > start]
        await screen.close()
    finally:
        for sender in senders:
            sender.stop()
        serve.stop()
    assert cli(alert_deployment.env, "verify-log").returncode == 0


def test_a_sender_process_killed_mid_send_loses_nothing(
    alert_deployment: Deployment, receiver: HttpReceiver
) -> None:
    path = f"slow/procs-{alert_deployment.url[-12:]}"
    receiver.gate.clear()
    env = {
        "CONSOLE_ALERT_WORKER": "process",
        "CONSOLE_ALERT_LEASE_SECONDS": "2",
        "CONSOLE_ALERT_LOOK_SECONDS": "0.1",
    }
    serve = Server(alert_deployment, **env)
    first = Sender(alert_deployment, "first", **env)
    try:
        serve.spawn()
        first.spawn()  # side by side with serve: nothing is sent before the incident below
        serve.wait_ready()
        duty_cookie, duty_csrf = _organisation(serve, receiver.url("json", path))
        first.wait_ready()
        _post(serve, duty_cookie, duty_csrf, "incident.register", SIT_IN)
        _wait(lambda: receiver.bodies(path), "the send reached the gateway")
        first.kill()  # SIGKILL while the gateway has not answered
        [row] = _outbox(alert_deployment)
        assert row.state == "pending" and row.lease_until is not None  # not lost, not recorded

        receiver.gate.set()
        second = Sender(alert_deployment, "second", **env).start()
        try:
            _wait(lambda: _outbox(alert_deployment)[0].state == "delivered", "sent again and recorded")
        finally:
            second.stop()
    finally:
        first.kill()
        serve.stop()
    keys = [k for body in receiver.bodies(path) for k in REF.findall(body)]
    # The attempt in flight went out again, recognisably the same, and only from the second sender:
    # serve, beside senders of their own, sends nothing.
    assert keys == [row.id, row.id]


def test_the_sender_refuses_to_start_where_nothing_may_be_sent(alert_deployment: Deployment) -> None:
    with ThreadPoolExecutor(2) as pool:  # two processes side by side
        off, bad = pool.map(
            lambda worker: cli(
                {**alert_deployment.env, "CONSOLE_ALERT_WORKER": worker}, "alert-worker", check=False
            ),
            ("off", "sometimes"),
        )
    assert off.returncode == 2 and "CONSOLE_ALERT_WORKER=off" in off.stderr, off
    assert bad.returncode == 2 and "CONSOLE_ALERT_WORKER='sometimes'" in bad.stderr, bad
    assert "Traceback" not in off.stderr + bad.stderr
