"""Every page at every size the office uses: no panel overlaps another, nothing scrolls sideways, and
touch targets are at least 44 px. Measured from the bounding boxes of the laid-out page.

Sizes: the duty officer's desk (1440×900), the leader's tablet both ways (1024×768, 768×1024), the
responder's phone (375×812). Saves screenshots of each page into test-artifacts/.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from browser_support import OpenPage, screenshot, wait_live
from playwright.sync_api import expect
from support import Server

sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
from org import Api, import_organisation

DESK = {"width": 1440, "height": 900}
TABLET_LANDSCAPE = {"width": 1024, "height": 768}
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 375, "height": 812}
SIZES = [DESK, TABLET_LANDSCAPE, TABLET, PHONE]

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

# Every pair of visible panels (cards, the header) whose boxes intersect, and every panel reaching past
# the right edge of the viewport. Boxes are in page coordinates, so a sticky or fixed panel that slides
# over another while scrolling shows up at the scroll positions it is checked at. The header bar is
# sticky by design (the connection pill stays in sight): it is checked at the top of the page only.
OVERLAPS = """(withHeader) => {
  const panels = [...document.querySelectorAll(withHeader ? 'header.bar, main .card' : 'main .card')]
    .filter((e) => e.offsetParent !== null || getComputedStyle(e).position === 'fixed')
    .map((e) => {
      const r = e.getBoundingClientRect();
      return {what: (e.id || e.className || e.tagName).toString().slice(0, 40),
        left: r.left + scrollX, right: r.right + scrollX, top: r.top + scrollY, bottom: r.bottom + scrollY};
    }).filter((b) => b.right - b.left > 0 && b.bottom - b.top > 0);
  const found = [];
  for (let i = 0; i < panels.length; i++) {
    const a = panels[i];
    if (a.right > innerWidth + 0.5) found.push(`${a.what} reaches ${Math.round(a.right)} px`);
    for (let j = i + 1; j < panels.length; j++) {
      const b = panels[j];
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 1 && y > 1) found.push(`${a.what} overlaps ${b.what} (${Math.round(x)}×${Math.round(y)} px)`);
    }
  }
  return found;
}"""


def scene(server: Server) -> dict[str, str]:
    """An office with people, a live sit-in with a playbook, people sent and one on scene."""
    duty = Api(server, "duty")
    import_organisation(duty)
    duty.ok("org.import", {"table": "people", "text": "id,name,unit_id\nresponder,张处置,office\n"})
    duty.ok("responder.move", {"move": "sign_on", "person_id": "responder"})
    args = {"type": "sit_in", "place": "机关大门", "head_count": 60, "summary": "在机关大门静坐",
            "facts": {"place_type": "party_gov_gate"}}  # fmt: skip
    incident_id: str = duty.ok("incident.register", args)["incident_id"]
    visit = duty.ok("incident.register", {"type": "collective_visit", "place": "接待大厅", "head_count": 12})
    duty.ok("incident.register", {"type": "violence", "place": "县政府大院", "head_count": 1, "drill": True})
    duty.ok("incident.note", {"incident_id": incident_id, "text": "已安排接待室，通知属地乡镇负责人到场"})
    duty.ok("incident.amend", {"incident_id": incident_id, "head_count": 62, "reason": "现场清点"})
    sent = {"incident_id": incident_id, "person_ids": ["responder", "r1"], "role": "现场疏导"}
    duty.ok("responder.dispatch", sent)
    responder = Api(server, "responder")
    responder.ok("responder.move", {"move": "acknowledge", "incident_id": incident_id})
    # The leader on duty was paged by the sit-in (urgent) and by a dispatch to the visit: their screens
    # show the in-app banner (站内提醒) above everything else.
    duty.ok("responder.dispatch", {"incident_id": visit["incident_id"], "person_ids": ["leader"]})
    return {"incident": incident_id}


def pages(ids: dict[str, str]) -> list[tuple[str, str, str]]:
    """(user, path, name) of every page the layout must hold on."""
    room = f"/incidents/{ids['incident']}"
    return [
        ("duty", "/", "board"),
        ("duty", room, "room"),
        ("duty", room + "/movements", "movements"),
        ("responder", "/responder", "phone"),
        ("duty", "/roster", "roster"),
        ("duty", "/people/responder/activity", "activity"),
        ("reviewer", "/access-log", "access-log"),
        ("reviewer", "/review/targets", "targets"),
        ("reviewer", "/review/targets/incidents?unit=county&figure=incidents", "targets-incidents"),
        ("leader", "/", "board-paged"),
        ("leader", room, "room-paged"),
        ("leader", "/responder", "phone-paged"),
    ]


def check_layout(page: Any, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name}: sideways scrolling, {width} px wide"
    overlaps = page.evaluate(OVERLAPS, True)
    assert not overlaps, f"{name}: {overlaps}"
    # and again half-way down and at the bottom, where a sticky panel would have moved over another
    for fraction in (0.5, 1.0):
        page.evaluate(f"window.scrollTo(0, document.documentElement.scrollHeight * {fraction})")
        overlaps = page.evaluate(OVERLAPS, False)
        assert not overlaps, f"{name} scrolled {fraction:.0%}: {overlaps}"
    page.evaluate("window.scrollTo(0, 0)")
    small = page.evaluate(TARGETS)
    assert not small, f"{name}: {small}"


@pytest.mark.parametrize("viewport", SIZES, ids=[f"{s['width']}x{s['height']}" for s in SIZES])
def test_no_panel_overlaps_and_nothing_scrolls_sideways(
    server: Server, open_page: OpenPage, viewport: dict[str, int]
) -> None:
    ids = scene(server)
    opened: dict[str, Any] = {}
    for user, path, name in pages(ids):
        page = opened.get(user)
        if page is None:
            page = opened[user] = open_page(user, viewport, path)
        else:
            page.goto(server.base + path)
            if page.locator("script[src*='/static/js/']").count():
                wait_live(page)
        if name in ("room", "room-paged"):
            expect(page.locator("#run")).to_be_visible()
            expect(page.locator("#board tbody tr")).to_have_count(2)
            expect(page.locator("#timeline .entry.ev-note_added")).to_have_count(1)
        if name == "board":
            expect(page.locator("#board-rows a.row")).to_have_count(3)
        if name.endswith("-paged"):
            expect(page.locator("#alert-pages .alert-page")).to_have_count(2)
        check_layout(page, name)
        screenshot(page, f"layout-{name}")
