"""The board as a situation board: every open incident with its level in colour, the next deadline
ticking, what is overdue, who is on scene / sent / not acknowledged; a clock, filters, a night mode, and
a sound and a title-bar flash on a new incident or an overdue item that can be muted."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import OpenPage, screenshot, wait_live
from playwright.sync_api import expect
from support import Deployment, LocalServer, Server

sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
from org import Api, import_organisation

DESK = {"width": 1440, "height": 900}
SIT_IN = {"type": "sit_in", "place": "机关大门", "head_count": 60, "facts": {"place_type": "party_gov_gate"}}
ORANGE = "rgb(249, 115, 22)"  # 橙色: level II


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


def test_situation_board(server: Server, open_page: OpenPage, clock: Path) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    duty.ok("org.import", {"table": "people", "text": "id,name,unit_id\nresponder,张处置,office\n"})
    duty.ok("responder.move", {"move": "sign_on", "person_id": "responder"})
    gate = duty.ok("incident.register", SIT_IN)
    drill = duty.ok(
        "incident.register", {"type": "violence", "place": "县政府大院", "head_count": 1, "drill": True}
    )

    page = open_page("duty", DESK)
    row = page.locator(f'#board-rows a.row[data-number="{gate["number"]}"]')
    chip = row.locator(".level-chip")
    expect(chip).to_have_attribute("data-level", "major")
    assert chip.evaluate("(e) => getComputedStyle(e).backgroundColor") == ORANGE
    # the next deadline ticks, and so does the clock
    nxt = row.locator(".c-next")
    expect(nxt).to_have_text(re.compile(r"剩余 \d+:\d\d"))
    before = nxt.inner_text()
    expect(nxt).not_to_have_text(before)
    expect(page.locator("#board-clock")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    expect(row.locator(".c-staff")).to_have_text("未派员")

    # people sent, then acknowledging: the row follows from the live state, no reload
    duty.ok("responder.dispatch", {"incident_id": gate["incident_id"], "person_ids": ["responder", "r1"]})
    expect(row.locator(".c-staff")).to_have_text("在场 0 派出 2 未确认 2")
    Api(server, "responder").ok("responder.move", {"move": "acknowledge", "incident_id": gate["incident_id"]})
    Api(server, "responder").ok(
        "responder.move", {"move": "arrive", "incident_id": gate["incident_id"], "place_id": "gate"}
    )
    expect(row.locator(".c-staff")).to_have_text("在场 1 派出 1 未确认 1")

    # filters: by level, by drill, by type
    tools = page.locator("#board-tools")
    levels = {r["incident_id"]: r["level"] for r in duty.get("/api/runs").json()["runs"]}
    other = "general" if levels[gate["incident_id"]] != "general" else "major"
    tools.locator("select[name=filter_level]").select_option(levels[gate["incident_id"]])
    expect(row).to_be_visible()
    expect(page.locator("#board-rows a.row")).to_have_count(
        list(levels.values()).count(levels[gate["incident_id"]])
    )
    tools.locator("select[name=filter_level]").select_option(other)
    expect(row).to_have_count(0)
    tools.locator("select[name=filter_level]").select_option("")
    tools.locator("select[name=filter_drill]").select_option("drill")
    expect(page.locator("#board-rows a.row")).to_have_count(1)
    expect(page.locator(f'#board-rows a.row[data-number="{drill["number"]}"]')).to_have_count(1)
    tools.locator("select[name=filter_drill]").select_option("")
    tools.locator("select[name=filter_type]").select_option("violence")
    expect(page.locator("#board-empty")).to_have_text("没有符合筛选条件的事件")
    tools.locator("select[name=filter_type]").select_option("")
    expect(page.locator("#board-rows a.row")).to_have_count(2)

    # a new incident: a tone and the title flashes; muted, only the title
    sounds = page.evaluate("window.consoleSounds || 0")
    duty.ok("incident.register", {"type": "collective_visit", "place": "接待大厅", "head_count": 12})
    expect(page).to_have_title(re.compile(r"^【新事件】"))
    assert page.evaluate("window.consoleSounds || 0") > sounds
    page.locator("#board-title").click()  # any tap stops the flash
    expect(page).not_to_have_title(re.compile(r"【"))
    page.locator("#sound-toggle").click()
    expect(page.locator("#sound-toggle")).to_have_text("声音：关")
    sounds = page.evaluate("window.consoleSounds || 0")
    move_clock(clock, 6)  # 报告分管领导 (5 minutes) falls overdue
    expect(page).to_have_title(re.compile(r"^【超时】"), timeout=15_000)
    expect(row.locator(".c-overdue")).not_to_have_text("0")
    assert page.evaluate("window.consoleSounds || 0") == sounds

    # night mode: dark, and kept on this device
    page.locator("#night-toggle").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\bnight\b"))
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark == "rgb(13, 17, 23)", dark
    screenshot(page, "board-night")
    page.reload()
    wait_live(page)
    expect(page.locator("html")).to_have_class(re.compile(r"\bnight\b"))


def test_registering_links_to_the_room_and_a_named_place_sets_its_kind(
    server: Server, open_page: OpenPage
) -> None:
    page = open_page("duty", DESK)
    form = page.locator("#register")
    expect(form.locator("select[name=place_type]")).to_have_value("reception_hall")  # 接待大厅, the default
    form.locator("label.choice", has_text="静坐").first.click()
    form.locator("label.choice", has_text="机关大门").first.click()
    expect(form.locator("select[name=place_type]")).to_have_value("party_gov_gate")
    form.locator("#head_count").fill("40")
    form.locator("button[type=submit]").click()
    link = form.locator('[data-notice-for="form"] a')
    expect(link).to_have_text(re.compile(r"已登记 XF-\d{4}-\d{4}"))
    link.click()
    page.wait_for_url(re.compile(r"/incidents/"))
    wait_live(page)
    # the gate's own step applies because the place carried its kind
    expect(page.locator('#run li[data-step="keep_gate_open"]')).to_have_count(1)
