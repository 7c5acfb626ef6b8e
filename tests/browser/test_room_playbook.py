"""The incident room's playbook checklist: owners and countdowns, one tap to mark a step done, live."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser_support import DESK, TABLET, Api, OpenPage, open_incident, register_in_ui
from playwright.sync_api import expect
from support import Deployment, LocalServer, Server


@pytest.fixture
def clock_file(tmp_path: Path) -> Path:
    path = tmp_path / "clock-offset"
    path.write_text("0")
    return path


@pytest.fixture
def server(deployment: Deployment, clock_file: Path) -> Iterator[LocalServer]:
    """The console with a clock the test can move forward (CONSOLE_CLOCK_FILE), as drills do."""
    srv = LocalServer(deployment, CONSOLE_CLOCK_FILE=str(clock_file)).start()
    try:
        yield srv
    finally:
        srv.stop()


def move_clock(path: Path, minutes: float) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(str(minutes * 60))
    tmp.replace(path)


def test_the_room_shows_the_checklist_and_one_tap_marks_a_step_done(
    server: Server, open_page: OpenPage, clock_file: Path
) -> None:
    duty = open_page("duty", DESK)
    form = duty.locator("#register")
    form.locator("select[name=place_type]").select_option("party_gov_gate")
    form.locator("input[name=leader_car_involved]").check()
    number = register_in_ui(duty, type_label="静坐", place="机关大门", head_count=60)
    incident_id = open_incident(duty, number)

    leader = open_page("leader", TABLET)
    open_incident(leader, number)

    for page in (duty, leader):
        card = page.locator("#run")
        expect(card).to_be_visible()
        expect(card.locator('[data-run="level"]')).to_have_text("Ⅱ级响应")
        first = card.locator('li[data-step="start_response"]')
        expect(first).to_contain_text("接报并启动预案")
        expect(first).to_contain_text("值班员")  # the step's owner
        expect(first.locator(".countdown")).to_have_text(re.compile(r"剩余 \d+:\d\d"))
        expect(card.locator('li[data-step="clear_leader_car"]')).to_have_count(1)

    # The countdown ticks in the browser, without a new event.
    countdown = leader.locator('li[data-step="start_response"] .countdown')
    before = countdown.inner_text()
    expect(countdown).not_to_have_text(before, timeout=5000)
    assert countdown.inner_text() != before

    # A skip needs a reason: without one it is refused in the user's language and nothing is sent.
    skipped = leader.locator('li[data-step="keep_gate_open"]')
    skipped.locator('button[data-act="skip"]').click()
    expect(skipped.locator("input[name=skip_reason]")).to_be_visible()
    skipped.locator('button[data-act="skip"]').click()
    expect(skipped.locator(".form-error")).to_have_text("请写明理由")
    expect(skipped).not_to_have_attribute("data-status", "skipped")

    step = leader.locator('li[data-step="start_response"]')
    step.locator("input[name=note]").fill("已启动，通知公安联络员")
    step.locator('button[data-act="done"]').click()

    for page in (leader, duty):
        done = page.locator('#run li[data-step="start_response"]')
        expect(done).to_have_attribute("data-status", "done")
        expect(done).to_contain_text("已启动，通知公安联络员")
        expect(page.locator("#timeline")).to_contain_text("步骤完成：接报并启动预案")
    # Steps that waited on it open.
    expect(duty.locator('#run li[data-step="dispatch_team"]')).not_to_have_attribute("data-status", "blocked")

    api = Api(server, "duty")
    r = httpx.get(server.base + f"/api/incidents/{incident_id}/run", cookies={"ic_session": api.cookie})
    view = r.json()["run"]
    assert {s["id"]: s["status"] for s in view["steps"]}["start_response"] == "done"

    # The board shows the level, and the overdue count once time has passed a deadline.
    board = open_page("duty", DESK)
    row = board.locator(f'#board-rows a.row[data-number="{number}"]')
    expect(row.locator(".c-level")).to_have_text("Ⅱ级响应")
    expect(row.locator(".c-overdue")).to_have_text("0")
    move_clock(clock_file, 6)  # notify_leader (5 minutes) is now overdue and its owner is reminded
    expect(row.locator(".c-overdue")).not_to_have_text("0", timeout=15_000)
    expect(row.locator(".c-overdue")).to_have_class(re.compile(r"\boverdue\b"))
    expect(duty.locator('#run [data-run="overdue"]')).to_contain_text("超时")
    expect(duty.locator('#run li[data-step="notify_leader"]')).to_have_attribute("data-status", "overdue")


def test_a_dispatch_step_leads_to_the_dispatch_panel(server: Server, open_page: OpenPage) -> None:
    api = Api(server, "duty")
    sit_in = {"type": "sit_in", "place": "机关大门", "head_count": 60,
              "facts": {"place_type": "party_gov_gate"}}  # fmt: skip
    incident_id = api.command("incident.register", sit_in)["result"]["incident_id"]
    api.command("run.complete_step", {"incident_id": incident_id, "step_id": "start_response"})
    duty = open_page("duty", TABLET, path=f"/incidents/{incident_id}")
    step = duty.locator('#run li[data-step="dispatch_team"]')
    expect(step).not_to_have_attribute("data-status", "blocked")
    assert duty.locator('#run li[data-step="start_response"] button[data-act="dispatch"]').count() == 0
    duty.evaluate(
        "window.asked = null;document.addEventListener('run:dispatch', (e) => { window.asked = e.detail; })"
    )
    step.locator('button[data-act="dispatch"]').click()
    expect(duty.locator("#dispatch-role")).to_be_focused()
    expect(duty.locator("#dispatch-role")).not_to_have_value("")
    expect(duty.locator("#dispatch")).to_be_in_viewport()
    assert duty.evaluate("window.asked")["step_id"] == "dispatch_team"


def test_a_drill_is_marked_on_the_board_and_in_the_room(server: Server, open_page: OpenPage) -> None:
    api = Api(server, "duty")
    drill = {"type": "violence", "place": "信访接待大厅", "head_count": 1, "drill": True,
             "facts": {"dangerous_items": True}}  # fmt: skip
    result = api.command("incident.register", drill)["result"]
    board = open_page("duty", DESK)
    row = board.locator(f'#board-rows a.row[data-number="{result["number"]}"]')
    expect(row.locator(".badge.drill")).to_have_text("演练")
    expect(row.locator(".c-level")).not_to_have_text("—")
    open_incident(board, result["number"])
    expect(board.locator('[data-f="drill"]')).to_be_visible()
    expect(board.locator('[data-f="drill"]')).to_have_text("演练")
    expect(board.locator('#run [data-run="drill"]')).to_be_visible()
    expect(board.locator('#run [data-run="drill"]')).to_have_text("演练")
