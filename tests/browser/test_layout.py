"""Tablet first: every size lays out without sideways scrolling and with touch targets of at least 44 px.

Saves the screenshots of the board and the incident room at each size into test-artifacts/.
"""

from __future__ import annotations

import pytest
from browser_support import Api
from conftest import DESK, TABLET, TABLET_LANDSCAPE, OpenPage, screenshot, wait_live
from playwright.sync_api import expect
from support import Server

# Interactive things a finger must hit; radio tiles and check boxes are hit through their labels.
TARGETS = """() => {
  const picked = document.querySelectorAll(
    'main button, main a[href], main select, main textarea, main summary, main label.choice span,' +
    'main label.check, main input:not([type=radio]):not([type=checkbox]):not([type=hidden]),' +
    'header a, header button');
  return [...picked].filter((e) => e.offsetParent !== null).map((e) => {
    const r = e.getBoundingClientRect();
    return {what: e.outerHTML.slice(0, 80), width: r.width, height: r.height};
  }).filter((t) => t.height < 44 || t.width < 44);
}"""


def _scene(server: Server) -> str:
    """Three open incidents, one with a few notes and an amendment; returns that one's id."""
    api = Api(server, "duty")
    first = api.command(
        "incident.register",
        {"type": "sit_in", "place": "机关大门", "head_count": 35, "summary": "在机关大门静坐，要求见县领导"},
    )["result"]["incident_id"]
    api.command("incident.register", {"type": "collective_visit", "place": "接待大厅", "head_count": 12})
    api.command(
        "incident.register",
        {"type": "violence", "place": "县政府大院", "head_count": 1, "channel": "phone", "drill": True},
    )
    api.command("incident.note", {"incident_id": first, "text": "已安排接待室，通知属地乡镇负责人到场"})
    api.command("incident.amend", {"incident_id": first, "head_count": 42, "reason": "现场清点"})
    api.command("incident.note", {"incident_id": first, "text": "派出所民警已到场维持秩序"})
    return first


SIZES = [TABLET, TABLET_LANDSCAPE, DESK]


@pytest.mark.parametrize("viewport", SIZES, ids=[f"{s['width']}x{s['height']}" for s in SIZES])
def test_board_and_room_at_tablet_and_desk_sizes(
    server: Server, open_page: OpenPage, viewport: dict[str, int]
) -> None:
    incident_id = _scene(server)
    page = open_page("leader", viewport)
    expect(page.locator("#board-rows a.row")).to_have_count(3)
    _check_layout(page)
    screenshot(page, "board")

    page.goto(server.base + f"/incidents/{incident_id}")
    wait_live(page)
    expect(page.locator("#timeline .entry.ev-note_added")).to_have_count(2)
    expect(page.locator("#timeline .entry.ev-facts_amended")).to_have_count(1)
    _check_layout(page)
    screenshot(page, "room")


def _check_layout(page: object) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= page.viewport_size["width"], f"sideways scrolling: {width}px"  # type: ignore[attr-defined]
    small = page.evaluate(TARGETS)  # type: ignore[attr-defined]
    assert not small, small
