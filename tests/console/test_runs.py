"""Playbook runs on the real server: the run starts with its incident, timers fire once, clients agree."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import (
    PLAIN_HTTP,
    ROOT,
    Deployment,
    LiveClient,
    LocalServer,
    Served,
    Server,
    command_id,
    login,
    server_events,
    start_all,
)

SIT_IN: dict[str, Any] = {
    "type": "sit_in",
    "place": "机关大门",
    "head_count": 60,
    "summary": "群众在机关大门静坐，拦截领导车辆",
    "facts": {"place_type": "party_gov_gate", "leader_car_involved": True},
}


def move_clock(path: Path, minutes: float) -> None:
    """Set the running servers' clock this far ahead of the wall clock."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(str(minutes * 60))
    tmp.replace(path)


def post(server: Served, session: tuple[str, str], name: str, args: dict[str, Any]) -> httpx.Response:
    cookie, csrf = session
    return httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": name, "args": args},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf, "accept-language": "zh-CN"},
        verify=PLAIN_HTTP,
    )


def run_view(server: Served, cookie: str, incident_id: str) -> dict[str, Any]:
    r = httpx.get(
        server.base + f"/api/incidents/{incident_id}/run", cookies={"ic_session": cookie}, verify=PLAIN_HTTP
    )
    r.raise_for_status()
    view: dict[str, Any] = r.json()["run"]
    return view


def fired(events: list[dict[str, Any]]) -> list[str]:
    return [e["data"]["record"]["key"] for e in events if e["event"] == "run.action_fired"]


async def until(check: Any, timeout: float = 30) -> Any:
    """Poll `check` until it returns something truthy (a ceiling for a stuck server, not a measurement)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(getattr(check, "__name__", "condition"))
        await asyncio.sleep(0.1)


@pytest.fixture
def clock_file(tmp_path: Path) -> Path:
    path = tmp_path / "clock-offset"
    move_clock(path, 0)
    return path


def register(server: Served, session: tuple[str, str], args: dict[str, Any] = SIT_IN) -> str:
    r = post(server, session, "incident.register", args)
    assert r.status_code == 200, r.text
    incident_id: str = r.json()["result"]["incident_id"]
    return incident_id


async def test_sit_in_at_the_gate_runs_its_playbook_live(deployment: Deployment, clock_file: Path) -> None:
    server = LocalServer(deployment, CONSOLE_CLOCK_FILE=str(clock_file)).start()
    try:
        duty, leader = login(server, "duty"), login(server, "leader")
        desk, field = LiveClient(server.ws_url, duty[0]), LiveClient(server.ws_url, leader[0])
        await desk.connect()
        await field.connect()
        incident_id = register(server, duty)

        view = run_view(server, duty[0], incident_id)
        assert view["ref"].startswith("sit_in@v3#")
        assert view["level"] == "major" and not view["overridden"]
        assert {"gate_involved", "leader_car_intercepted", "crowd_major"} <= set(
            view["grading"]["matched_rules"]
        )
        states = {s["id"]: s for s in view["steps"]}
        for step in ("clear_leader_car", "keep_gate_open", "medical_standby", "logistics_support"):
            assert states[step]["status"] != "not_applicable", step
        assert states["start_response"]["status"] == "due_soon"  # due in 3 minutes, "soon" is 5
        assert states["start_response"]["role"] == "duty_officer"
        assert states["leader_on_site"]["role"] == "leader_in_charge"
        assert states["police_on_site"]["status"] == "blocked"  # waits for the police decision
        assert states["send_up"]["status"] == "blocked"  # waits for the jurisdiction decision
        assert all(s["due_at"] for s in view["steps"] if s["status"] in ("ready", "due_soon"))
        registered = (await until(lambda: [e for e in desk.events if e["event"] == "incident.registered"]))[0]
        assert registered["data"]["playbook"]["id"] == "sit_in"
        assert "steps" not in registered["data"]["playbook"]  # the pin, not the whole text

        # Four minutes on: the first step (due at 3) is overdue, and its owner is reminded once.
        move_clock(clock_file, 4)
        await until(lambda: "remind:step:start_response" in fired(desk.events))
        reminder = next(e for e in desk.events if e["event"] == "run.action_fired")
        assert reminder["data"]["kind"] == "remind" and reminder["data"]["role"] == "duty_officer"
        assert reminder["data"]["drill"] is False
        assert run_view(server, duty[0], incident_id)["overdue_count"] >= 1

        # The leader's tablet marks it done; both clients see it.
        cid = await field.send(
            "run.complete_step", {"incident_id": incident_id, "step_id": "start_response", "note": "已启动"}
        )
        done = await field.wait_result(cid)
        assert done["ok"], done
        await desk.wait_position(done["position"])
        assert states_of(server, duty[0], incident_id)["start_response"] == "done"

        # Sixteen minutes on: the leader was told nobody informed them in time (escalation, once).
        move_clock(clock_file, 16)
        await until(lambda: "escalate:step:notify_leader" in fired(desk.events))
        escalation = next(
            e for e in desk.events if e["event"] == "run.action_fired" and e["data"]["kind"] == "escalate"
        )
        assert escalation["data"]["role"] == "leader_in_charge"
        assert escalation["data"]["step_id"] == "notify_leader"
        assert "escalate:step:start_response" not in fired(desk.events)  # done in time for that one

        head = server_events(server, duty[0])
        await field.wait_position(head[-1]["position"])
        await desk.wait_position(head[-1]["position"])
        wire = [(e["position"], e["event"]) for e in head]
        assert [(e["position"], e["event"]) for e in desk.events] == wire
        assert [(e["position"], e["event"]) for e in field.events] == wire
        assert all(n == 1 for n in Counter(fired(head)).values())
        await desk.close()
        await field.close()
    finally:
        server.stop()


def states_of(server: Served, cookie: str, incident_id: str) -> dict[str, str]:
    return {s["id"]: s["status"] for s in run_view(server, cookie, incident_id)["steps"]}


async def test_actions_due_while_the_console_was_down_fire_once(
    deployment: Deployment, clock_file: Path
) -> None:
    # The incident and its run are registered by an in-process server (the same app and configuration,
    # no process start to wait for); the restarts below are processes of their own.
    up = LocalServer(deployment, CONSOLE_CLOCK_FILE=str(clock_file)).start()
    try:
        duty = login(up, "duty")
        register(up, duty)
    finally:
        up.stop()
    move_clock(clock_file, 20)  # past reminders and escalations of several steps
    for _ in range(2):  # start, see the timers fire, stop; start again: nothing fires twice
        server = Server(deployment, CONSOLE_CLOCK_FILE=str(clock_file)).start()
        try:
            cookie = login(server, "duty")[0]
            await until(
                lambda s=server, c=cookie: "escalate:step:start_response" in fired(server_events(s, c))
            )
            keys = fired(server_events(server, cookie))
        finally:
            server.stop()
        assert "remind:step:start_response" in keys and "remind:step:notify_leader" in keys
        assert all(n == 1 for n in Counter(keys).values()), Counter(keys)
    server = Server(deployment, CONSOLE_CLOCK_FILE=str(clock_file)).start()
    try:
        cookie = login(server, "duty")[0]
        assert fired(server_events(server, cookie)) == keys
    finally:
        server.stop()


@pytest.mark.postgres
async def test_two_processes_fire_each_action_once(deployment: Deployment, clock_file: Path) -> None:
    if not deployment.url.startswith("postgres"):
        pytest.skip("several processes share a database on PostgreSQL")
    env = {"CONSOLE_CLOCK_FILE": str(clock_file), "CONSOLE_POLL_SECONDS": "0.2"}
    one, two = start_all(Server(deployment, **env), Server(deployment, **env))
    try:
        duty = login(one, "duty")
        for _ in range(3):
            register(one, duty)
        move_clock(clock_file, 20)
        cookie = duty[0]

        def settled() -> bool:
            keys = fired(server_events(one, cookie))
            return len(keys) >= 3 * 4 and "escalate:step:start_response" in keys

        await until(settled)
        move_clock(clock_file, 21)  # both processes look again
        await until(lambda: len(fired(server_events(two, cookie))) >= 12)
        keys_by_run = Counter(
            (e["data"]["incident_id"], e["data"]["record"]["key"])
            for e in server_events(two, cookie)
            if e["event"] == "run.action_fired"
        )
        assert keys_by_run and all(n == 1 for n in keys_by_run.values()), keys_by_run
    finally:
        one.stop()
        two.stop()


async def test_bad_input_is_refused_in_the_users_language_and_changes_nothing(
    deployment: Deployment, clock_file: Path
) -> None:
    server = LocalServer(deployment, CONSOLE_CLOCK_FILE=str(clock_file)).start()
    try:
        duty, leader, responder = login(server, "duty"), login(server, "leader"), login(server, "responder")
        township = {**SIT_IN, "facts": {**SIT_IN["facts"], "unit_level": "township"}}
        incident_id = register(server, duty, township)
        a = {"incident_id": incident_id}
        for step in ("start_response", "dispatch_team", "persuade"):
            assert post(
                server, duty, "run.complete_step", {"incident_id": incident_id, "step_id": step}
            ).is_success
        before = server_events(server, duty[0])
        refusals: list[tuple[tuple[str, str], str, dict[str, Any], int, str]] = [
            (duty, "run.complete_step", {**a, "step_id": "no_such_step"}, 409, "unknown_step"),
            (duty, "run.skip_step", {**a, "step_id": "notify_leader"}, 422, "invalid_command"),
            (duty, "run.skip_step", {**a, "step_id": "notify_leader", "reason": " "},
             422, "invalid_command"),
            (duty, "run.decide", {**a, "step_id": "jurisdiction", "option": "transfer",
                                  "reason": "不属于本机关受理范围"}, 409, "township_cannot_transfer"),
            (duty, "run.decide", {**a, "step_id": "jurisdiction", "option": "handle_here"},
             409, "reason_required"),
            (duty, "run.complete_step", {**a, "step_id": "jurisdiction"},
             409, "decision_needs_option"),
            (responder, "run.override_level", {**a, "level": "general", "reason": "人已散"},
             403, "forbidden"),
            (duty, "run.override_level", {**a, "level": "general", "reason": "人已散"},
             403, "forbidden"),
            (leader, "run.override_level", {**a, "level": "loud", "reason": "x"},
             422, "invalid_command"),
            (duty, "run.update_facts", {**a, "facts": {"place_type": "moon"}},
             422, "invalid_command"),
            (duty, "run.update_facts", {**a, "facts": "lots"}, 422, "invalid_command"),
            (duty, "run.update_facts", {**a, "head_count": -3, "facts": {}},
             422, "invalid_command"),
            (duty, "run.complete_step", {"incident_id": "nope", "step_id": "persuade"},
             404, "no_playbook_run"),
            (duty, "run.file_report", {**a, "obligation_id": "gossip"}, 409, "unknown_report"),
            (duty, "run.fire", {**a, "key": "remind:step:persuade"}, 422, "unknown_command"),
        ]  # fmt: skip
        for session, name, args, status, code in refusals:
            r = post(server, session, name, args)
            assert r.status_code == status, (name, args, r.text)
            error = r.json()["error"]
            assert error["code"] == code, (name, args, error)
            assert error["message"] and error["message"] != code
        r = post(server, duty, "run.decide", {"incident_id": incident_id, "step_id": "jurisdiction",
                                              "option": "transfer", "reason": "x"})  # fmt: skip
        assert "乡镇" in r.json()["error"]["message"] or "只办不转" in r.json()["error"]["message"]
        assert server_events(server, duty[0]) == before
        assert (
            httpx.get(server.base + "/api/incidents/%00/run", cookies={"ic_session": duty[0]}).status_code
            == 404
        )

        # What is allowed goes through: the county-level decision, the leader's override, new facts.
        decided = {**a, "step_id": "jurisdiction", "option": "handle_here", "reason": "属本级受理范围"}
        ok = post(server, duty, "run.decide", decided)
        assert ok.is_success, ok.text
        lowered = post(server, leader, "run.override_level",
                       {**a, "level": "larger", "reason": "人员已大部分散去"})  # fmt: skip
        assert lowered.is_success, lowered.text
        view = run_view(server, duty[0], incident_id)
        assert view["level"] == "larger" and view["overridden"] and view["automatic_level"] == "major"
        knives = post(server, duty, "run.update_facts",
                      {**a, "facts": {**township["facts"], "dangerous_items": True}})  # fmt: skip
        assert knives.is_success, knives.text
        assert run_view(server, duty[0], incident_id)["automatic_level"] == "extraordinary"
    finally:
        server.stop()


async def test_a_drill_is_marked_in_the_run_and_in_what_it_sends(
    deployment: Deployment, clock_file: Path
) -> None:
    server = LocalServer(deployment, CONSOLE_CLOCK_FILE=str(clock_file)).start()
    try:
        duty = login(server, "duty")
        incident_id = register(server, duty, {**SIT_IN, "type": "violence", "drill": True})
        view = run_view(server, duty[0], incident_id)
        assert view["drill"] is True and view["playbook"]["id"] == "violence"
        runs = httpx.get(server.base + "/api/runs", cookies={"ic_session": duty[0]}).json()["runs"]
        assert [r["drill"] for r in runs if r["incident_id"] == incident_id] == [True]
        move_clock(clock_file, 30)
        events = await until(
            lambda: [e for e in server_events(server, duty[0]) if e["event"] == "run.action_fired"]
        )
        assert all(e["data"]["drill"] is True for e in events)
        incident = httpx.get(server.base + f"/api/incidents/{incident_id}", cookies={"ic_session": duty[0]})
        assert incident.json()["incident"]["drill"] is True
    finally:
        server.stop()


def test_pages_offer_the_grading_facts_and_the_checklist(server: Served) -> None:
    duty, leader = login(server, "duty"), login(server, "leader")
    incident_id = register(server, duty)
    board = httpx.get(server.base + "/", cookies={"ic_session": duty[0]})
    assert board.status_code == 200
    assert 'name="place_type"' in board.text and 'name="leader_car_involved"' in board.text
    assert "定级要素" in board.text
    room = httpx.get(server.base + f"/incidents/{incident_id}", cookies={"ic_session": leader[0]})
    assert room.status_code == 200 and 'id="checklist"' in room.text
    assert 'id="override"' in room.text  # the leader's level control
    duty_room = httpx.get(server.base + f"/incidents/{incident_id}", cookies={"ic_session": duty[0]})
    assert 'id="override"' not in duty_room.text
    static = httpx.get(server.base + "/static/js/run.js")
    assert static.status_code == 200


async def test_grading_thresholds_are_settings_the_whole_console_grades_with(
    deployment: Deployment, clock_file: Path
) -> None:
    # The same sit-in of 60 people is 重大 by default (test above); with 60 as the extraordinary
    # head count it is 特别重大 in the room, on the board, in the snapshot and for the commands.
    server = LocalServer(
        deployment,
        CONSOLE_CLOCK_FILE=str(clock_file),
        CONSOLE_GRADE_HEAD_COUNT_EXTRAORDINARY="60",
        CONSOLE_GRADE_DUE_SOON_MINUTES="2",
        CONSOLE_GRADE_MAX_REPRESENTATIVES="2",
        CONSOLE_EVENT_GRADE_SENSITIVE_SITE_MAJOR="60",
    ).start()
    try:
        duty, leader = login(server, "duty"), login(server, "leader")
        incident_id = register(server, duty)
        view = run_view(server, duty[0], incident_id)
        assert view["level"] == "extraordinary" and "crowd_extraordinary" in view["grading"]["matched_rules"]
        assert view["due_soon_minutes"] == 2
        # The event grade (事件等级) has its own settings: 60 at the gate is 重大 here, not 特别重大.
        assert view["event_grade"] == "major" and view["grade_differs"]
        assert {s["id"]: s["status"] for s in view["steps"]}[
            "start_response"
        ] == "ready"  # due in 3, soon is 2
        runs = httpx.get(server.base + "/api/runs", cookies={"ic_session": duty[0]}).json()["runs"]
        assert [r["level"] for r in runs if r["incident_id"] == incident_id] == ["extraordinary"]
        client = LiveClient(server.ws_url, duty[0])
        await client.connect()
        part = client.snapshots[-1]["state"]["runs"]
        assert [r["level"] for r in part if r["incident_id"] == incident_id] == ["extraordinary"]
        await client.close()

        # Commands check with the same thresholds: three representatives are one too many here.
        a = {"incident_id": incident_id}
        for step in ("start_response", "dispatch_team", "persuade"):
            assert post(server, duty, "run.complete_step", {**a, "step_id": step}).is_success
        chosen = {**a, "step_id": "choose_representatives", "option": "chosen", "reason": "群众推选"}
        three = post(server, leader, "run.decide", {**chosen, "representatives": ["张三", "李四", "王五"]})
        assert three.status_code == 409 and three.json()["error"]["code"] == "too_many_representatives"
        two = post(server, leader, "run.decide", {**chosen, "representatives": ["张三", "李四"]})
        assert two.is_success, two.text
        # The names are sealed (seed §7): no event anyone receives carries them, the run's event says
        # how many were named, and the reveal (logged) gives them back.
        for who in (duty, login(server, "responder")):
            log = json.dumps(server_events(server, who[0]), ensure_ascii=False)
            assert "张三" not in log and "李四" not in log
        decided = [e for e in server_events(server, duty[0]) if e["event"] == "run.decision_recorded"]
        assert decided[-1]["data"]["representatives_sealed"] == 2
        revealed = httpx.get(
            server.base + f"/api/incidents/{incident_id}/confidential", cookies={"ic_session": leader[0]}
        )
        assert (
            revealed.status_code == 200 and revealed.json()["confidential"]["representatives"] == "张三、李四"
        )
    finally:
        server.stop()


def test_a_threshold_the_console_cannot_use_is_refused_at_start(deployment: Deployment) -> None:
    env = {**deployment.env, "CONSOLE_GRADE_HEAD_COUNT_MAJOR": "10"}  # below the larger one (30)
    proc = subprocess.run(
        [sys.executable, "-m", "console", "serve", "--port", "0"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "CONSOLE_GRADE_" in proc.stderr and "Traceback" not in proc.stderr
