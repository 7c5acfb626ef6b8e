"""回避 on the board: a report about the commission's head is on the duty officer's board, marked, and
nowhere on the head's; marked while his board is open, it leaves his board."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import OpenPage, screenshot, wait_live
from playwright.sync_api import Locator, Page, expect
from support import Deployment, LocalServer, Server

sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
from org import Api

DESK = {"width": 1440, "height": 900}
SIT_IN = {"type": "sit_in", "place": "机关大门", "head_count": 40, "facts": {"place_type": "party_gov_gate"}}
HEAD = "chen"


@pytest.fixture
def server(deployment: Deployment) -> Iterator[LocalServer]:
    deployment.add_users({HEAD: "leader,commission_head"})
    srv = LocalServer(deployment).start()
    try:
        yield srv
    finally:
        srv.stop()


def row(page: Page, number: str) -> Locator:
    return page.locator(f'#board-rows a.row[data-number="{number}"]')


def test_the_head_never_sees_a_report_about_himself(server: Server, open_page: OpenPage) -> None:
    duty = Api(server, "duty")
    marked = duty.ok(
        "incident.register", {**SIT_IN, "summary": "反映主要负责人问题", "about_commission_head": True}
    )
    later = duty.ok("incident.register", {**SIT_IN, "summary": "静坐"})

    desk = open_page("duty", DESK)
    expect(row(desk, marked["number"]).locator(".badge.recusal")).to_have_text("回避")
    expect(row(desk, later["number"])).to_be_visible()
    screenshot(desk, "recusal-board-duty")

    head = open_page(HEAD, DESK)
    wait_live(head)
    expect(row(head, later["number"])).to_be_visible()
    expect(row(head, marked["number"])).to_have_count(0)
    expect(head.locator("#board-rows")).not_to_contain_text("反映主要负责人问题")
    screenshot(head, "recusal-board-head")

    # Marked while the head's board is open: it leaves his board, and the duty officer's shows the mark.
    duty.ok(
        "incident.amend",
        {"incident_id": later["incident_id"], "about_commission_head": True, "reason": "查明"},
    )
    expect(row(head, later["number"])).to_have_count(0)
    expect(row(desk, later["number"]).locator(".badge.recusal")).to_have_text("回避")

    response = head.goto(server.base + "/incidents/" + marked["incident_id"])
    assert response is not None and response.status == 404
    expect(head.locator("body")).not_to_contain_text("反映主要负责人问题")
