"""A roll call whose minutes pass with people unconfirmed is flagged to the lead once: across a restart
and, on PostgreSQL, with two console processes noticing the same deadline."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from org import Api, import_organisation, sit_in
from support import Deployment, Served, Server, server_events, start_all


def move_clock(path: Path, minutes: float) -> None:
    """Set the running servers' clock this far ahead of the wall clock."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(str(minutes * 60))
    tmp.replace(path)


def flags(server: Served, cookie: str) -> list[dict[str, Any]]:
    return [e for e in server_events(server, cookie) if e["event"] == "rollcall.overdue"]


def until(check: Any, timeout: float = 30) -> Any:
    """Poll `check` until it returns something truthy (a ceiling for a stuck server, not a measurement)."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise TimeoutError(getattr(check, "__name__", "condition"))
        time.sleep(0.1)
    return value


def holds(check: Any, seconds: float = 2.5) -> None:
    """Assert `check` stays true while the timers look again (each second): showing that something does
    not happen takes watching for a while; a violation fails at once."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert check(), getattr(check, "__name__", "condition")
        time.sleep(0.1)


def test_overdue_roll_call_is_flagged_once(deployment: Deployment, tmp_path: Path) -> None:
    deployment.add_users({"r1": "responder", "r2": "responder", "r3": "responder"})
    clock = tmp_path / "clock-offset"
    move_clock(clock, 0)
    env = {"CONSOLE_CLOCK_FILE": str(clock), "CONSOLE_POLL_SECONDS": "0.2"}
    servers = [Server(deployment, **env)]
    if deployment.url.startswith("postgres"):
        servers.append(Server(deployment, **env))  # a second process races for the same deadline
    start_all(*servers)  # side by side: each process's start is a second or two of imports
    try:
        one = servers[0]
        duty, leader = Api(one, "duty"), Api(one, "leader")
        import_organisation(duty)
        incident_id = sit_in(duty)
        duty.ok("responder.dispatch", {"incident_id": incident_id, "person_ids": ["r1", "r2", "r3"]})
        rollcall_id = leader.ok("rollcall.start", {"incident_id": incident_id, "within_minutes": 5})[
            "rollcall_id"
        ]
        Api(one, "r1").ok("rollcall.confirm", {"rollcall_id": rollcall_id})
        move_clock(clock, 4)  # not yet
        holds(lambda: flags(one, duty.cookie) == [])
        status = duty.get(f"/api/incidents/{incident_id}/responders").json()["rollcall"]
        assert status["flagged"] is None and not status["overdue"]

        move_clock(clock, 6)
        found = until(lambda: flags(one, duty.cookie))
        assert len(found) == 1
        flag = found[0]["data"]
        assert flag["rollcall_id"] == rollcall_id and flag["unconfirmed"] == ["r2", "r3"]
        status = leader.get(f"/api/incidents/{incident_id}/responders").json()["rollcall"]
        assert [u["name"] for u in status["flagged"]["unconfirmed"]] == ["李二", "王三"]
        assert status["overdue"]

        # a late answer is recorded as late; time moves on; the console restarts: still one flag
        Api(one, "r2").ok("rollcall.confirm", {"rollcall_id": rollcall_id})
        move_clock(clock, 9)
        holds(lambda: len(flags(one, duty.cookie)) == 1)
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(Server.stop, servers))  # each waits for its own graceful shutdown
        start_all(*servers)
        holds(lambda: len(flags(one, duty.cookie)) == 1)
        status = leader.get(f"/api/incidents/{incident_id}/responders").json()["rollcall"]
        assert status["late"] == 1 and [u["person_id"] for u in status["unconfirmed"]] == ["r3"]
        assert [u["person_id"] for u in status["flagged"]["unconfirmed"]] == ["r2", "r3"]

        # clients cannot send the console's own command
        r = duty.command("rollcall.flag_overdue", {"rollcall_id": rollcall_id})
        assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_command"
    finally:
        for server in servers:
            server.stop()
