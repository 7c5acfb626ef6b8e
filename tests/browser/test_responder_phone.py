"""The responder's phone page (375×812): acknowledge → en route → on scene, with big buttons."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import OpenPage, screenshot
from playwright.sync_api import expect
from support import Deployment, Server

sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
from org import Api, import_organisation, sit_in

PHONE = {"width": 375, "height": 812}


def test_phone_page_acknowledge_en_route_on_scene(
    deployment: Deployment, server: Server, open_page: OpenPage
) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    duty.ok("org.import", {"table": "people", "text": "id,name,unit_id\nresponder,张处置,office\n"})
    duty.ok("responder.move", {"move": "sign_on", "person_id": "responder"})
    incident_id = sit_in(duty)
    duty.ok(
        "responder.dispatch", {"incident_id": incident_id, "person_ids": ["responder"], "role": "现场疏导"}
    )

    page = open_page("responder", PHONE, "/responder")
    expect(page.locator("#me")).to_have_text("张处置")
    card = page.locator(f'article.assignment[data-incident="{incident_id}"]')
    expect(card).to_have_attribute("data-status", "dispatched")
    expect(card.locator(".where")).to_have_text("前往 机关大门")  # the incident's named place
    expect(card).to_contain_text("现场疏导")
    expect(card.locator("button[data-move]")).to_have_count(1)
    button = card.locator('button[data-move="acknowledge"]')
    expect(button).to_have_text("确认接收")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 60 and box["width"] >= 300  # a thumb's target
    button.click()

    card = page.locator(f'article.assignment[data-incident="{incident_id}"][data-status="acknowledged"]')
    expect(card.locator("button[data-move]")).to_have_text(["出发", "到达现场"])
    card.locator('button[data-move="depart"]').click()

    card = page.locator(f'article.assignment[data-incident="{incident_id}"][data-status="en_route"]')
    expect(card.locator("button[data-move]")).to_have_text(["到达现场"])
    expect(card.locator("select[name=place_id]")).to_be_visible()
    card.locator("select[name=place_id]").select_option(label="县委大院")
    card.locator('button[data-move="arrive"]').click()

    card = page.locator(f'article.assignment[data-incident="{incident_id}"][data-status="on_scene"]')
    expect(card.locator(".where")).to_have_text("位于 县委大院")
    expect(card.locator("button[data-move]")).to_have_text(["转移至此", "处置完毕撤离"])
    screenshot(page, "responder-phone")
    board = duty.get(f"/api/incidents/{incident_id}/responders").json()["board"]
    assert [(r["person_id"], r["status"], r["place_id"]) for r in board] == [
        ("responder", "on_scene", "yard")
    ]

    # a place nobody has named yet, typed in on the phone: added, then moved to
    card.locator("input[name=new_place]").fill("信访局东侧门")
    card.locator('button[data-move="move_to"]').click()
    expect(page.locator(f'article.assignment[data-incident="{incident_id}"] .where')).to_have_text(
        "位于 信访局东侧门"
    )
    places = {p["name"]: p["id"] for p in duty.get("/api/places").json()["places"]}
    assert "信访局东侧门" in places
    data = duty.get(f"/api/incidents/{incident_id}/responders").json()
    assert [(r["status"], r["place_id"]) for r in data["board"]] == [("on_scene", places["信访局东侧门"])]
    log = [(e["kind"], e["place"], e["recorded_by"]) for e in data["log"]]
    assert log == [
        ("dispatched", "机关大门", "duty"),
        ("acknowledged", None, "responder"),
        ("en_route", None, "responder"),
        ("on_scene", "县委大院", "responder"),
        ("moved", "信访局东侧门", "responder"),
    ]
    assert data["unacknowledged"] == []
