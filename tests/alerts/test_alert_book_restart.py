"""The policy book pinned at registration survives a real restart of the console's process: the office
edits its YAML book while a sit-in escalates, restarts the console (`python -m console serve`), and the
live escalation still pages whom the book it started with names; a sit-in registered after the
restart follows the edited book. The clock is moved through CONSOLE_CLOCK_FILE, the worker is real."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from alert_console import PEOPLE, PLACES, UNITS
from support import Deployment, Server, command_id, login

BOOK = """
default: normal
by_type: {sit_in: urgent}
policies:
  - id: urgent
    urgency: urgent
    levels:
      - {targets: [{post: leader_on_duty}], ack_timeout_minutes: 3}
      - {targets: [{person: boss}], ack_timeout_minutes: 5}
  - id: normal
    levels:
      - {targets: [{post: leader_on_duty}], ack_timeout_minutes: 10}
"""
EDITED = BOOK.replace("{person: boss}", "{person: r1}")  # the second level is now the petition officer


class Desk:
    """The duty officer's and the admin's HTTP sessions on one server."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.sessions = {name: login(server, name) for name in ("admin", "duty")}

    def ok(self, name: str, args: dict[str, Any], who: str = "duty") -> dict[str, Any]:
        cookie, csrf = self.sessions[who]
        r = httpx.post(
            self.server.base + "/api/commands",
            json={"id": command_id(), "name": name, "args": args},
            cookies={"ic_session": cookie},
            headers={"x-csrf-token": csrf},
            timeout=30,
        )
        assert r.status_code == 200 and r.json()["ok"], r.text
        result: dict[str, Any] = r.json()["result"]
        return result

    def paged(self, incident_id: str) -> set[tuple[str, int]]:
        cookie, _ = self.sessions["duty"]
        r = httpx.get(
            f"{self.server.base}/api/incidents/{incident_id}/alerts",
            cookies={"ic_session": cookie},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        return {(a["person_id"], a["level"]) for a in r.json()["attempts"]}

    def sit_in(self) -> str:
        args = {"type": "sit_in", "place": "机关大门", "head_count": 30, "summary": "静坐"}
        return str(self.ok("incident.register", args)["incident_id"])


def _wait(check: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _move(clock: Path, seconds: float) -> None:
    clock.write_text(str(float(clock.read_text() or 0) + seconds), encoding="ascii")


def test_a_live_escalation_follows_its_pinned_book_after_the_book_is_edited_and_the_process_restarted(
    alert_deployment: Deployment, tmp_path: Path
) -> None:
    book, clock = tmp_path / "policies.yaml", tmp_path / "clock"
    book.write_text(BOOK, encoding="utf-8")
    clock.write_text("0", encoding="ascii")
    env = {
        "CONSOLE_ALERT_WORKER": "on",
        "CONSOLE_ALERT_LOOK_SECONDS": "0.1",
        "CONSOLE_ALERT_POLICIES": str(book),
        "CONSOLE_CLOCK_FILE": str(clock),
    }
    first = Server(alert_deployment, **env).start()
    try:
        desk = Desk(first)
        now = datetime.now(UTC)
        shifts = (
            "id,unit_id,post,start,end,holder_id\n"
            f"s-lead,county,leader_on_duty,{(now - timedelta(hours=2)).isoformat()},"
            f"{(now + timedelta(hours=10)).isoformat()},leader\n"
        )
        for table, text in (("units", UNITS), ("places", PLACES), ("people", PEOPLE), ("shifts", shifts)):
            desk.ok("org.import", {"table": table, "text": text}, "admin")
        live = desk.sit_in()
        _wait(lambda: desk.paged(live) == {("leader", 1)}, "the leader on duty paged in the console")
    finally:
        first.stop()

    book.write_text(EDITED, encoding="utf-8")  # the office edits its book, then restarts the console
    second = Server(alert_deployment, **env).start()
    try:
        desk = Desk(second)
        later = desk.sit_in()  # registered under the edited book
        _move(clock, 3 * 60 + 5)  # past the first level's 3 minutes, nobody acknowledging
        _wait(lambda: ("boss", 2) in desk.paged(live), "the live sit-in escalated through its pinned book")
        _wait(lambda: ("r1", 2) in desk.paged(later), "the later sit-in escalated through the edited book")
        assert ("r1", 2) not in desk.paged(live)
        assert ("boss", 2) not in desk.paged(later)
    finally:
        second.stop()
