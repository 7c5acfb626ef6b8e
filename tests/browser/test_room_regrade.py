"""The room shows a responder's proposed regrade, the duty officer confirms it with one tap, and the level
says who caused it (issue 9); long timelines open with their latest part and page back on demand."""

from __future__ import annotations

from browser_support import DESK, TABLET, Api, OpenPage, open_incident
from playwright.sync_api import expect
from support import Server

SIT_IN = {
    "type": "sit_in",
    "place": "机关大门",
    "head_count": 60,
    "summary": "静坐",
    "facts": {"place_type": "party_gov_gate"},
}


def test_a_proposed_regrade_is_confirmed_in_the_room(server: Server, open_page: OpenPage) -> None:
    desk = Api(server, "duty")
    registered = desk.command("incident.register", SIT_IN)["result"]
    incident_id, number = registered["incident_id"], registered["number"]
    more = {"incident_id": incident_id, "facts": {"place_type": "party_gov_gate"}, "head_count": 120}
    Api(server, "responder").command("run.update_facts", {**more, "note": "人数增加"})

    responder = open_page("responder", TABLET)
    open_incident(responder, number)
    waiting = responder.locator('#run [data-run="proposals"] li')
    expect(waiting).to_contain_text("待值班员或领导确认")
    expect(waiting.locator("button")).to_have_count(0)  # a responder cannot confirm

    duty = open_page("duty", DESK)
    open_incident(duty, number)
    card = duty.locator("#run")
    expect(card.locator('[data-run="level"]')).to_have_text("Ⅱ级响应")
    card.locator('[data-run="proposals"] li button', has_text="确认").first.click()
    expect(card.locator('[data-run="level"]')).to_have_text("Ⅰ级响应")
    expect(card.locator('[data-run="grading"]')).to_contain_text("responder 提出，duty 确认")
    expect(card.locator('[data-run="proposals"] li')).to_have_count(0)
    # The timeline says it, on the responder's tablet too.
    expect(responder.locator("#timeline")).to_contain_text("定级要素已更新：响应级别 Ⅱ级响应 → Ⅰ级响应")


def test_the_room_pages_back_through_a_long_timeline(server: Server, open_page: OpenPage) -> None:
    desk = Api(server, "duty")
    registered = desk.command("incident.register", SIT_IN)["result"]
    for n in range(130):
        desk.command("incident.note", {"incident_id": registered["incident_id"], "text": f"记录{n:03d}"})
    page = open_page("duty", DESK)
    open_incident(page, registered["number"])
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("记录129")
    expect(timeline).not_to_contain_text("记录000")
    timeline.locator("li.earlier button").click()
    expect(timeline).to_contain_text("记录000")
    expect(timeline.locator("li.earlier")).to_have_count(0)
