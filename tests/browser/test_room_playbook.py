"""The incident room's playbook checklist: owners and countdowns, one tap to mark a step done, live."""

from __future__ import annotations

import re

import httpx
from browser_support import Api, open_incident, register_in_ui
from conftest import DESK, TABLET, OpenPage
from playwright.sync_api import expect
from support import Server


def test_the_room_shows_the_checklist_and_one_tap_marks_a_step_done(
    server: Server, open_page: OpenPage
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
        expect(card.locator('[data-run="level"]')).to_have_text("重大（II级）")
        first = card.locator('li[data-step="start_response"]')
        expect(first).to_contain_text("接报并启动预案")
        expect(first).to_contain_text("值班员")  # the step's owner
        expect(first.locator(".countdown")).to_have_text(re.compile(r"剩余 \d+:\d\d"))
        expect(card.locator('li[data-step="clear_leader_car"]')).to_have_count(1)

    # The countdown ticks in the browser, without a new event.
    countdown = leader.locator('li[data-step="start_response"] .countdown')
    before = countdown.inner_text()
    expect(countdown).not_to_have_text(before, timeout=5000)

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

    # The board shows the level.
    board = open_page("duty", DESK)
    expect(board.locator(f'#board-rows a.row[data-number="{number}"] .c-level')).to_have_text("重大（II级）")
