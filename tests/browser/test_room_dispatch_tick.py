"""The room follows the responders: 现场处置组赶赴现场 is ticked by the dispatch and says so, 领导到位情况
names the leader who arrived and when; the register form takes a named place's type; the head strip
keeps its links together as one group, with room for one more chip, at every size the office uses."""

from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from browser_support import OpenPage, screenshot
from playwright.sync_api import expect
from support import Server

sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
from org import Api, import_organisation

DESK = {"width": 1440, "height": 900}
TABLET_LANDSCAPE = {"width": 1024, "height": 768}
PHONE = {"width": 375, "height": 812}
GATE_SIT_IN = {"type": "sit_in", "place": "机关大门", "head_count": 60, "summary": "静坐"}
TYPED_PLACES = """id,name,unit_id,lat,lon,place_type
hall,接待大厅,office,30.0000,120.0000,reception_hall
gate,机关大门,county,30.0010,120.0010,党政机关大门
yard,县委大院,county,30.0050,120.0050,party_gov_gate
town-office,城关镇政府,town,30.0500,120.0500,township_office
"""
HH_MM = re.compile(r"\d{2}:\d{2}")


def test_the_team_step_is_ticked_by_the_dispatch_and_the_leader_listed_on_arrival(
    server: Server, open_page: OpenPage
) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    incident_id = duty.ok("incident.register", GATE_SIT_IN)["incident_id"]
    for step_id in ("start_response", "notify_leader"):
        duty.ok("run.complete_step", {"incident_id": incident_id, "step_id": step_id})

    page = open_page("duty", DESK, f"/incidents/{incident_id}")
    leaders = page.locator("#room-leaders")
    expect(leaders).to_have_text("暂无领导到场")
    panel = page.locator("#dispatch-panel")
    expect(panel.locator('#recommend input[value="r1"]')).to_be_visible(timeout=20_000)
    panel.locator('#recommend input[value="r1"]').check()
    panel.locator('#recommend input[value="leader"]').check()
    panel.locator("button[type=submit]", has_text="派遣").click()

    team = page.locator('#checklist li[data-step="dispatch_team"]')
    expect(team).to_have_attribute("data-status", "done")
    expect(team.locator(".followed")).to_have_text("已派遣2人")
    expect(page.locator("#timeline")).to_contain_text("已派遣2人")

    leader = Api(server, "leader")
    leader.ok("responder.move", {"move": "acknowledge", "incident_id": incident_id})
    leader.ok("responder.move", {"move": "arrive", "incident_id": incident_id})
    on_site = page.locator('#checklist li[data-step="leader_on_site"]')
    expect(on_site).to_have_attribute("data-status", "done")
    expect(on_site.locator(".followed")).to_have_text(re.compile(r"^李书记于\d{2}:\d{2}到达现场$"))
    arrived = leaders.locator('li[data-leader="leader"]')
    expect(arrived).to_have_text(re.compile(r"^李书记：\d{2}:\d{2}到达现场$"))
    # the time shown is the arrival the run holds, in the office's time zone
    run = duty.get(f"/api/incidents/{incident_id}/run").json()["run"]
    shown = HH_MM.search(arrived.inner_text())
    assert shown is not None and run["leaders"][0]["via"] == "arrival"
    screenshot(page, "room-dispatch-tick")


def test_a_named_place_fills_in_its_place_type(server: Server, open_page: OpenPage) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    duty.ok("org.import", {"table": "places", "text": TYPED_PLACES})
    page = open_page("duty", DESK)
    form = page.locator("#register")
    kind = form.locator("select[name=place_type]")
    expect(kind).to_have_value("reception_hall")  # 接待大厅, the first and default place
    form.locator("label.choice", has_text="机关大门").click()
    expect(kind).to_have_value("party_gov_gate")
    form.locator("label.choice", has_text="城关镇政府").click()
    expect(kind).to_have_value("township_office")
    form.locator("input[name=place_other]").fill("县委大院")  # typed, but one of the named places
    expect(kind).to_have_value("party_gov_gate")
    form.locator("input[name=place_other]").fill("广场东侧")
    expect(kind).to_have_value("other")

    form.locator("label.choice", has_text="机关大门").click()
    form.locator("label.choice", has_text="静坐").first.click()
    form.locator("#head_count").fill("60")
    form.locator("button[type=submit]").click()
    expect(form.locator('[data-notice-for="form"]')).to_contain_text("XF-")
    runs = duty.get("/api/runs").json()["runs"]
    run = duty.get(f"/api/incidents/{runs[0]['incident_id']}/run").json()["run"]
    assert run["facts"]["place_type"] == "party_gov_gate"
    assert any(s["id"] == "keep_gate_open" and s["status"] != "not_applicable" for s in run["steps"])


# The head strip's boxes: the links' group and every item of the head line, in page coordinates.
HEAD = """() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top,
    bottom: r.bottom, text: e.textContent.trim()}; };
  const line = document.querySelector('#room-head .head-line');
  const items = [...line.children].filter((e) => e.offsetParent !== null).map(box);
  const links = [...document.querySelectorAll('#room-head .head-links > a')].map(box);
  return {line: box(line), items, links, scroll: document.documentElement.scrollWidth - innerWidth};
}"""


@pytest.mark.parametrize("size", [DESK, TABLET_LANDSCAPE, PHONE], ids=lambda s: f"{s['width']}x{s['height']}")
def test_the_head_strip_keeps_its_links_together(server: Server, open_page: OpenPage, size: Any) -> None:
    duty = Api(server, "duty")
    incident_id = duty.ok("incident.register", GATE_SIT_IN)["incident_id"]
    page = open_page("duty", size, f"/incidents/{incident_id}")
    expect(page.locator("#room-head [data-f=level-badge]")).not_to_have_text("—")
    # A sit-in of 60 at the gate is Ⅱ级响应 but a 一般 event: the grade's chip shows beside the tier.
    expect(page.locator("#room-head [data-f=grade-badge]")).to_be_visible()
    head = page.evaluate(HEAD)
    assert head["scroll"] <= 0, head
    links = head["links"]
    assert [x["text"] for x in links] == ["报告", "投递记录"]
    assert len({round(x["top"]) for x in links}) == 1, links  # one row: 投递记录 never alone
    for a, b in itertools.pairwise(links):
        assert a["right"] <= b["left"], links
    if size["width"] >= 1024:
        # the head line stays on one row with room for one more short chip (事件等级)
        items = head["items"]
        assert max(x["top"] for x in items) < min(x["bottom"] for x in items), items
        # ... with the event grade's chip in it (事件等级 where it differs from the tier)
        assert any(x["text"].startswith("事件等级") for x in items), items
        spare = head["line"]["right"] - max(x["right"] for x in head["items"])
        assert spare >= 0, spare
    screenshot(page, "room-head")


def test_a_leader_marking_the_step_by_hand_is_listed_in_the_room_and_on_the_movements_page(
    server: Server, open_page: OpenPage
) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    incident_id = duty.ok("incident.register", GATE_SIT_IN)["incident_id"]
    for step_id in ("start_response", "notify_leader"):
        duty.ok("run.complete_step", {"incident_id": incident_id, "step_id": step_id})
    Api(server, "leader").ok("run.complete_step", {"incident_id": incident_id, "step_id": "leader_on_site"})
    marked = re.compile(r"^leader：\d{2}:\d{2}到场指挥$")  # the leader's display name in this deployment
    room = open_page("duty", DESK, f"/incidents/{incident_id}")
    expect(room.locator('#room-leaders li[data-via="step"]')).to_have_text(marked)
    movements = open_page("duty", DESK, f"/incidents/{incident_id}/movements")
    expect(movements.locator('#leaders li[data-via="step"]')).to_have_text(marked)
