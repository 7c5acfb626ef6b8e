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
    card = page.locator(f'article.assignment[data-incident="{incident_id}"]')
    expect(card).to_have_attribute("data-status", "dispatched")
    button = card.locator('button[data-move="acknowledge"]')
    box = button.bounding_box()
    assert box is not None and box["height"] >= 60 and box["width"] >= 300  # a thumb's target
    button.click()
    card = page.locator(f'article.assignment[data-incident="{incident_id}"][data-status="acknowledged"]')
    card.locator('button[data-move="depart"]').click()
    card = page.locator(f'article.assignment[data-incident="{incident_id}"][data-status="en_route"]')
    card.locator("select[name=place_id]").select_option(label="县委大院")
    card.locator('button[data-move="arrive"]').click()
    expect(page.locator(f'article.assignment[data-incident="{incident_id}"]')).to_have_attribute(
        "data-status", "on_scene"
    )
    screenshot(page, "responder-phone")
    board = duty.get(f"/api/incidents/{incident_id}/responders").json()["board"]
    assert [(r["person_id"], r["status"], r["place_id"]) for r in board] == [
        ("responder", "on_scene", "yard")
    ]
