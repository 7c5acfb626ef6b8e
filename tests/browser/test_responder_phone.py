"""The responder's phone page (375×812): acknowledge → en route → on scene, with big buttons."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from browser_support import OpenPage, screenshot, wait_live
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
    expect(card.locator("button[data-move]")).to_have_text(["已转到所选地点", "处置完毕撤离"])
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


def test_phone_header_link_alarm_confirmed_clear_and_offline_reload(
    deployment: Deployment, server: Server, open_page: OpenPage
) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    duty.ok("org.import", {"table": "people", "text": "id,name,unit_id\nresponder,张处置,office\n"})
    duty.ok("responder.move", {"move": "sign_on", "person_id": "responder"})
    first = sit_in(duty)
    duty.ok("responder.dispatch", {"incident_id": first, "person_ids": ["responder"], "role": "现场疏导"})

    page = open_page("responder", PHONE)  # signed in, on the board: 我的任务 is one tap away
    header = page.locator("header.bar").bounding_box()
    assert header is not None and header["height"] <= 60, header  # one row, not three
    page.locator("header a.nav-mine").click()
    page.wait_for_url(server.base + "/responder")
    wait_live(page)
    card = page.locator(f'article.assignment[data-incident="{first}"]')
    expect(card).to_have_attribute("data-status", "dispatched")
    # the service worker keeps the page for offline use once it controls it (it installs in the background)
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=30_000)
    page.wait_for_function(  # and it has kept this page (asked by the page when it took control)
        "async () => !!(await caches.match(location.href, {ignoreSearch: true}))", timeout=30_000
    )

    # a new dispatch arrives with a sound (and a vibration where the phone has one)
    sounds = page.evaluate("window.consoleSounds || 0")
    second = duty.ok("incident.register", {"type": "collective_visit", "place": "接待大厅", "head_count": 9})
    duty.ok("responder.dispatch", {"incident_id": second["incident_id"], "person_ids": ["responder"]})
    expect(page.locator(f'article.assignment[data-incident="{second["incident_id"]}"]')).to_be_visible()
    expect(page).to_have_title(re.compile(r"^【新任务】"))
    assert page.evaluate("window.consoleSounds || 0") > sounds

    # on scene: 处置完毕撤离 is set apart from the other moves and asks for a second tap
    for move in ("acknowledge", "arrive"):
        card.locator(f'button[data-move="{move}"]').click()
    expect(card).to_have_attribute("data-status", "on_scene")
    leave = card.locator('button[data-move="clear"]')
    moved = card.locator('button[data-move="move_to"]').bounding_box()
    box = leave.bounding_box()
    assert moved is not None and box is not None and box["y"] - (moved["y"] + moved["height"]) >= 24
    assert leave.evaluate("(e) => getComputedStyle(e).backgroundColor") != card.locator(
        'button[data-move="move_to"]'
    ).evaluate("(e) => getComputedStyle(e).backgroundColor")
    leave.click()
    expect(leave).to_have_text("再点一次确认：已处置完毕并撤离")
    expect(card).to_have_attribute("data-status", "on_scene")  # nothing sent yet
    leave.click()
    expect(card).to_have_count(0)

    # offline, a reload still shows the assignment that is left
    page.context.set_offline(True)
    page.reload()
    expect(page.locator(f'article.assignment[data-incident="{second["incident_id"]}"]')).to_be_visible()
    expect(page.locator("#mine-stale")).to_be_visible()
