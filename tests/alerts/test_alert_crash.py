"""A sender killed mid-send (SIGKILL, a real process) loses nothing: only the attempt in flight goes out
again, with the same dedupe key."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx
import psutil
from alert_console import PEOPLE, PLACES, UNITS
from alert_receivers import HttpReceiver
from sqlalchemy import Row, select
from support import Deployment, Server, command_id, login

from console.alerts.tables import alert_outbox
from console.db import open_database

REF = re.compile(r"参考码: ([0-9a-f]{24})")


def _post(server: Server, cookie: str, csrf: str, name: str, args: dict[str, object]) -> dict[str, object]:
    r = httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": name, "args": args},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["ok"], r.text
    result: dict[str, object] = r.json()["result"]
    return result


async def _outbox(deployment: Deployment) -> list[Row[Any]]:
    db = open_database(deployment.settings)
    try:
        async with db.read.connect() as conn:
            return list((await conn.execute(select(alert_outbox))).all())
    finally:
        await db.dispose()


def _wait(check: object, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_sender_killed_mid_send_loses_nothing(alert_deployment: Deployment, receiver: HttpReceiver) -> None:
    path = f"slow/{alert_deployment.url[-12:]}"
    receiver.gate.clear()
    env = {
        "CONSOLE_ALERT_WORKER": "on",
        # As deployed: apprise in a sending process of serve's own, which dies with it.
        "CONSOLE_ALERT_SEND_PROCESSES": "1",
        "CONSOLE_ALERT_LEASE_SECONDS": "2",
        "CONSOLE_ALERT_LOOK_SECONDS": "0.1",
    }
    first = Server(alert_deployment, **env).start()
    try:
        cookie, csrf = login(first, "admin")
        for table, text in (("units", UNITS), ("places", PLACES), ("people", PEOPLE)):
            _post(first, cookie, csrf, "org.import", {"table": table, "text": text})
        channels = [receiver.url("json", path)]
        _post(first, cookie, csrf, "alert.set_channels", {"person_id": "leader", "channels": channels})
        duty_cookie, duty_csrf = login(first, "duty")
        args = {"type": "sit_in", "place": "机关大门", "head_count": 30, "summary": "静坐"}
        _post(first, duty_cookie, duty_csrf, "incident.register", args)
        _wait(lambda: receiver.bodies(path), "the send reached the gateway")
        assert first.proc is not None
        senders = psutil.Process(first.proc.pid).children()
        assert senders, "apprise runs in a sending process of serve's own"
        first.kill()  # SIGKILL while the gateway has not answered
        # The sending process, held by the gateway mid-request, dies with its serve.
        _wait(
            lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in senders),
            "senders gone",
        )
    finally:
        first.stop()
    [row] = asyncio.run(_outbox(alert_deployment))
    assert row.state == "pending" and row.lease_until is not None  # not lost, not recorded

    receiver.gate.set()
    second = Server(alert_deployment, **env).start()
    try:
        _wait(
            lambda: asyncio.run(_outbox(alert_deployment))[0].state == "delivered", "sent again and recorded"
        )
    finally:
        second.stop()
    keys = [k for body in receiver.bodies(path) for k in REF.findall(body)]
    assert keys == [row.id, row.id]  # the attempt in flight went out again, recognisably the same
