"""The incident room as the duty officer and the leader see it: what matters in the first screen,
in words people use (never an id, an ISO time or a login name), and a word back after every action."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import TABLET_LANDSCAPE, OpenPage, open_drawer, screenshot, wait_live
from playwright.sync_api import expect
from support import Deployment, LocalServer, Server

sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
from org import Api, import_organisation

DESK = {"width": 1440, "height": 900}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
HEX_ID = re.compile(r"\b[0-9a-f]{32}\b")


def move_clock(path: Path, minutes: float) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(str(minutes * 60))
    tmp.replace(path)


@pytest.fixture
def clock(tmp_path: Path) -> Path:
    path = tmp_path / "clock-offset"
    move_clock(path, 0)
    return path


@pytest.fixture
def server(deployment: Deployment, clock: Path) -> Iterator[LocalServer]:
    srv = LocalServer(deployment, CONSOLE_CLOCK_FILE=str(clock)).start()
    try:
        yield srv
    finally:
        srv.stop()


def live_sit_in(server: Server) -> tuple[Api, str]:
    """A sit-in at the gate with its playbook running: a decision taken, the responder sent and there."""
    duty = Api(server, "duty")
    import_organisation(duty)
    duty.ok("org.import", {"table": "people", "text": "id,name,unit_id\nresponder,张处置,office\n"})
    duty.ok("responder.move", {"move": "sign_on", "person_id": "responder"})
    args = {"type": "sit_in", "place": "机关大门", "head_count": 60, "summary": "静坐",
            "facts": {"place_type": "party_gov_gate"}}  # fmt: skip
    incident_id: str = duty.ok("incident.register", args)["incident_id"]
    duty.ok("run.complete_step", {"incident_id": incident_id, "step_id": "start_response"})
    duty.ok(
        "responder.dispatch", {"incident_id": incident_id, "person_ids": ["responder"], "role": "现场疏导"}
    )
    responder = Api(server, "responder")
    responder.ok("responder.move", {"move": "acknowledge", "incident_id": incident_id})
    responder.ok("responder.move", {"move": "arrive", "incident_id": incident_id, "place_id": "gate"})
    return duty, incident_id


def until_done(duty: Api, incident_id: str, step_id: str, timeout: float = 30) -> None:
    """Wait (with a deadline) until the run holds the step done."""
    deadline = time.monotonic() + timeout
    while True:
        steps = duty.get(f"/api/incidents/{incident_id}/run").json()["run"]["steps"]
        if next(s for s in steps if s["id"] == step_id)["status"] == "done":
            return
        assert time.monotonic() < deadline, f"{step_id} is not done"
        time.sleep(0.1)


def in_first_screen(page: Any, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    assert 0 <= box["y"] and box["y"] + min(box["height"], 40) <= page.viewport_size["height"], (
        selector,
        box,
    )


@pytest.mark.parametrize("viewport", [DESK, TABLET_LANDSCAPE], ids=["1440x900", "1024x768"])
def test_the_first_screen_holds_level_heads_elapsed_deadlines_movements_and_checklist(
    server: Server, open_page: OpenPage, viewport: dict[str, int]
) -> None:
    _duty, incident_id = live_sit_in(server)
    page = open_page("duty", viewport, f"/incidents/{incident_id}")
    expect(page.locator('[data-f="level-badge"]')).to_have_attribute("data-level", "major")
    expect(page.locator('[data-f="heads"]')).to_have_text("60")
    expect(page.locator('[data-f="elapsed"]')).to_have_text(re.compile(r"^\d+:\d\d(:\d\d)?$"))
    first = page.locator("#next-deadlines li.next-item").first
    expect(first).to_be_visible()
    initial = page.locator('#next-deadlines li[data-next="initial_phone"]')
    expect(initial).to_contain_text("首报")
    expect(initial.locator(".countdown")).to_have_text(re.compile(r"剩余 \d+:\d\d"))
    ticking = initial.locator(".countdown").inner_text()
    expect(initial.locator(".countdown")).not_to_have_text(ticking)  # it counts down by itself
    expect(page.locator('#board tbody tr[data-person="responder"]')).to_have_attribute(
        "data-status", "on_scene"
    )
    expect(page.locator("#checklist li.step").first).to_be_visible()
    first_screen = ['[data-f="level-badge"]', '[data-f="elapsed"]',
                    '#next-deadlines li[data-next="initial_phone"]',
                    '#board tbody tr[data-person="responder"]', "#checklist li.step"]  # fmt: skip
    for selector in first_screen:
        in_first_screen(page, selector)
    # the informant, assignees, amend and close are one tap away, not in the way
    for drawer in ("#drawer-facts", "#secret", "#drawer-people"):
        expect(page.locator(drawer)).to_be_hidden()
    open_drawer(page, "承办人员")
    expect(page.locator("#drawer-people")).to_be_visible()
    in_first_screen(page, "#drawer-people")
    screenshot(page, "room-first-screen")


def visible_text(page: Any) -> str:
    text: str = page.locator("main").inner_text()
    return text


def assert_plain(text: str, where: str, raw: list[str]) -> None:
    assert not ISO.search(text), (where, ISO.search(text))
    assert not HEX_ID.search(text), (where, HEX_ID.search(text))
    for word in raw:
        assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text), (where, word)


def test_no_raw_id_iso_time_or_login_name_in_page_text(
    server: Server, open_page: OpenPage, clock: Path
) -> None:
    duty, incident_id = live_sit_in(server)
    duty.ok("run.file_report", {"incident_id": incident_id, "obligation_id": "initial"})
    # 现场处置组赶赴现场 was ticked by the dispatch (run.follow); the next step is done by hand
    until_done(duty, incident_id, "dispatch_team")
    duty.ok("run.complete_step", {"incident_id": incident_id, "step_id": "persuade"})
    run = duty.get(f"/api/incidents/{incident_id}/run").json()["run"]
    decision = next(s for s in run["steps"] if s["id"] == "police_assistance")
    option = decision["decision"]["options"][0]["id"]
    duty.ok("run.decide", {"incident_id": incident_id, "step_id": decision["id"], "option": option,
                           "reason": "属本级管辖"})  # fmt: skip
    move_clock(clock, 30)  # reminders fire: their lines name steps too
    # ids a screen must never show: steps, options, reports, and the responder's login (they are 张处置)
    raw = [s["id"] for s in run["steps"]] + [r["id"] for r in run["reports"]] + [option, "responder"]
    room = f"/incidents/{incident_id}"
    for user in ("duty", "reviewer"):
        page = open_page(user, DESK, room)
        expect(page.locator("#timeline .entry.ev-moved").first).to_be_visible()  # dispatches and arrivals too
        expect(page.locator("#timeline .entry.ev-moved", has_text="到达现场")).to_have_count(1)
        expect(page.locator("#timeline")).to_contain_text("首报")
        expect(page.locator("#run")).to_be_visible()
        # the room's own text (the people named in the meta lines are users' display names)
        text = "\n".join(page.locator(sel).inner_text() for sel in ("#room-head", "#run", "#dispatch-panel"))
        text += "\n".join(page.locator("#timeline .entry .body").all_inner_texts())
        assert_plain(text, f"room as {user}", raw)
        for path in (room + "/movements", "/people/responder/activity", "/roster", "/"):
            page.goto(server.base + path)
            wait_live(page)
            if path.endswith("/activity"):
                expect(page.locator("#activity")).to_contain_text("XF-")
            if path.endswith("/movements"):
                expect(page.locator("#figures tbody tr")).to_have_count(1)
                expect(page.locator("#movement-log tbody tr").first).to_be_visible()
            if path == "/roster":
                expect(page.locator("#upcoming tbody tr").first).to_be_visible()
            assert_plain(visible_text(page), f"{path} as {user}", raw)
    # a slow network: the timeline is right before the run arrives, and stays right
    page = open_page("duty", DESK)
    page.route(
        re.compile(r".*/api/incidents/.*/run$"),
        lambda route: page.wait_for_timeout(3000) or route.continue_(),
    )
    page.goto(server.base + room)
    wait_live(page)
    expect(page.locator("#timeline .entry").last).to_be_visible()
    assert_plain(
        "\n".join(page.locator("#timeline .entry .body").all_inner_texts()), "room, slow network", raw
    )


def test_every_action_says_what_it_did(server: Server, open_page: OpenPage) -> None:
    duty, incident_id = live_sit_in(server)
    until_done(duty, incident_id, "dispatch_team")  # ticked by the dispatch: 现场劝导 is open
    leader = open_page("leader", DESK, f"/incidents/{incident_id}")

    # 派员: a notice names who was sent
    panel = leader.locator("#dispatch-panel")
    pick = panel.locator('#recommend input[value="r1"]')
    pick.check()
    panel.locator("button[type=submit]", has_text="派遣").click()
    expect(panel.locator('[data-notice-for="form"]')).to_have_text("已派出：张一")

    # a level set by a leader: the form closes and the room says so
    leader.locator("#run details.action > summary").click()
    override = leader.locator("#override")
    override.locator("select[name=level]").select_option("extraordinary")
    override.locator("button[type=submit]").click()
    expect(override.locator('[data-error-for="form"]')).to_have_text("请写明理由")
    override.locator("[name=reason]").fill("现场人数激增")
    expect(override.locator('[data-error-for="form"]')).to_have_text("")  # gone once a reason is typed
    override.locator("button[type=submit]").click()
    expect(leader.locator("#room-notice")).to_have_text("级别已改为Ⅰ级响应")
    expect(leader.locator('[data-f="level-badge"]')).to_have_attribute("data-level", "extraordinary")

    # a skip's "give the reason" goes once the reason is there
    skipped = leader.locator('#run li[data-step="notify_leader"]')
    skipped.locator('button[data-act="skip"]').click()
    skipped.locator('button[data-act="skip"]').click()
    expect(skipped.locator(".form-error")).to_have_text("请写明理由")
    skipped.locator("input[name=skip_reason]").fill("已电话报告")
    expect(skipped.locator(".form-error")).to_have_text("")

    # offline, a tapped step shows it is waiting to be sent
    leader.context.set_offline(True)
    leader.evaluate("window.consoleLive.ws && window.consoleLive.ws.close()")
    expect(leader.locator("#link")).to_have_attribute("data-state", "offline")
    step = leader.locator('#run li[data-step="persuade"]')
    step.locator('button[data-act="done"]').click()
    expect(step.locator(".badge.pending")).to_have_text("待发送")
    leader.context.set_offline(False)
    expect(step).to_have_attribute("data-status", "done", timeout=15_000)
    expect(step.locator(".badge.pending")).to_have_count(0)

    # 结案 with steps overdue and no 终报: the first tap says so, the second closes
    open_drawer(leader, "结案")
    close = leader.locator("#close")
    close.locator("button[type=submit]").click()
    warning = close.locator("#close-warning")
    expect(warning).to_contain_text("终报尚未报送")
    expect(leader.locator('[data-f="status"]')).to_have_text("处置中")
    close.locator("button[type=submit]", has_text="仍然结案").click()
    expect(leader.locator('[data-f="status"]')).to_have_text("已结案")
    expect(leader.locator("#room-notice")).to_have_text("事件已结案")
