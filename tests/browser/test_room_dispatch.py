"""The incident room's dispatch panel: recommendations with their reasons, dispatching one person, the
age of a dispatch nobody has acknowledged, and the roll call flagged to the lead when its time is up."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import DESK, OpenPage, screenshot, wait_live
from playwright.sync_api import expect
from support import Deployment, LocalServer, Server

sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
from org import Api, import_organisation, sit_in


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
    """The console with a clock the test moves (CONSOLE_CLOCK_FILE), so ages and deadlines pass."""
    srv = LocalServer(deployment, CONSOLE_CLOCK_FILE=str(clock)).start()
    try:
        yield srv
    finally:
        srv.stop()


def test_recommend_dispatch_and_unacknowledged_age(server: Server, open_page: OpenPage, clock: Path) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    incident_id = sit_in(duty)

    page = open_page("duty", DESK, f"/incidents/{incident_id}")
    panel = page.locator("#dispatch-panel")
    panel.locator("select[name=skill]").select_option("reception")
    picks = panel.locator("#recommend li")
    expect(picks.first).to_be_visible()
    wanted = duty.get(f"/api/incidents/{incident_id}/recommend?skill=reception").json()["recommendations"]
    expect(picks).to_have_count(len(wanted))
    for li, r in zip(picks.all(), wanted, strict=True):  # in the server's order, each with why
        expect(li).to_contain_text(r["name"])
        reasons = li.locator(".reasons")
        expect(reasons).to_have_text(" · ".join(x["text"] for x in r["reasons"]))
        assert reasons.inner_text().strip()
    assert "王三" not in panel.locator("#recommend").inner_text()  # no reception skill

    panel.locator('#recommend input[value="r1"]').check()
    panel.locator("input[name=role]").fill("现场接谈")
    panel.locator("button[type=submit]", has_text="派遣").click()
    row = panel.locator('#board tr[data-person="r1"]')
    expect(row).to_have_attribute("data-status", "dispatched")
    expect(row).to_contain_text("张一")
    expect(row).to_contain_text("现场接谈")
    waiting = panel.locator('#unacked li[data-person="r1"]')
    expect(waiting).to_have_text("张一 — 刚派出，尚未确认")
    board = duty.get(f"/api/incidents/{incident_id}/responders").json()
    assert [(r["person_id"], r["status"], r["role"]) for r in board["board"]] == [
        ("r1", "dispatched", "现场接谈")
    ]
    assert [w["person_id"] for w in board["unacknowledged"]] == ["r1"]

    # three minutes on, still unacknowledged: the room says for how long
    move_clock(clock, 3)
    page.reload()
    wait_live(page)
    expect(page.locator('#unacked li[data-person="r1"]')).to_have_text("张一 — 3 分钟未确认")

    # a roll call of the one sent, unanswered past its minutes: flagged in the room
    page.locator("#rollcall-start").click()
    expect(page.locator("#rollcall")).to_be_visible()
    expect(page.locator("#rollcall-flag")).to_be_hidden()
    move_clock(clock, 3 + 11)
    flag = page.locator("#rollcall-flag")
    expect(flag).to_be_visible(timeout=15_000)
    expect(flag).to_contain_text("清点超时")
    expect(flag).to_contain_text("张一")
    screenshot(page, "room-dispatch")
