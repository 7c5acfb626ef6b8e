"""What each role is offered, and the confidential part: masked, revealed only to people on the matter."""

from __future__ import annotations

from browser_support import (
    DESK,
    TABLET,
    TABLET_LANDSCAPE,
    Api,
    OpenPage,
    open_drawer,
    open_incident,
    register_in_ui,
)
from playwright.sync_api import expect
from support import Server

SECRET = {
    "informant_name": "举报人甲某",
    "informant_phone": "13800138000",
    "report_content": "反映某村干部侵占征地补偿款",
}


def test_a_responder_sees_neither_the_register_form_nor_confidential_values(
    server: Server, open_page: OpenPage
) -> None:
    duty = open_page("duty", DESK)
    number = register_in_ui(
        duty, type_label="集体访", place="信访局接待室", head_count=6, confidential=SECRET
    )
    responder = open_page("responder", TABLET)
    expect(responder.locator("#register")).to_have_count(0)
    expect(responder.locator("a.jump")).to_have_count(0)

    incident_id = open_incident(responder, number)
    open_drawer(responder, "举报人信息")
    expect(responder.locator("#secret")).to_be_visible()
    expect(responder.locator("#timeline")).to_contain_text("记录保密信息")
    expect(responder.locator("#reveal")).to_be_hidden()
    expect(responder.locator("#reveal-denied")).to_be_visible()
    expect(responder.locator("#amend")).to_have_count(0)
    expect(responder.locator("#close")).to_have_count(0)
    expect(responder.locator("#note")).to_be_visible()  # responders keep the timeline
    reply = responder.request.get(server.base + f"/api/incidents/{incident_id}/confidential")
    assert reply.status == 403
    assert reply.json()["error"]["message"] == "举报人信息和举报内容仅限承办人员查看"
    html = responder.content()
    for value in SECRET.values():
        assert value not in html

    # A leader sees the confidential parts of every matter: masked until revealed, and the reveal is logged.
    leader = open_page("leader", DESK)
    open_incident(leader, number)
    open_drawer(leader, "举报人信息")
    field = leader.locator('[data-secret-field="informant_name"]')
    expect(field).to_have_text("••••••")
    leader.click("#reveal")
    expect(field).to_have_text("举报人甲某")
    expect(leader.locator('[data-secret-field="informant_phone"]')).to_have_text("13800138000")
    leader.click("#conceal")
    expect(field).to_have_text("••••••")

    # Once assigned to the matter, the responder may reveal them too.
    open_incident(duty, number)
    open_drawer(duty, "承办人员")
    duty.select_option("#assign-user", label="responder")
    duty.click("#assign button[type=submit]")
    expect(duty.locator("#people")).to_contain_text("responder")
    expect(responder.locator("#reveal")).to_be_visible()
    responder.click("#reveal")
    expect(responder.locator('[data-secret-field="report_content"]')).to_have_text(SECRET["report_content"])

    reviewer = open_page("reviewer", DESK, path="/access-log")
    rows = reviewer.locator("#access-log tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("responder")
    expect(rows.nth(1)).to_contain_text("leader")
    expect(rows.first).to_contain_text(number)


def test_an_inspector_reads_and_never_writes(server: Server, open_page: OpenPage) -> None:
    # 督查范围: this inspector oversees the whole county (a place no unit holds is the county's).
    units = "id,name,kind,parent_id\ncounty,县纪委监委,county_commission,\n"
    Api(server, "duty").command("org.import", {"table": "units", "text": units})
    Api(server, "admin").command(
        "review.set_inspector_units", {"username": "inspector", "unit_ids": ["county"]}
    )
    duty = open_page("duty", DESK)
    number = register_in_ui(duty, type_label="其他", place="乡镇办公室", head_count=3, confidential=SECRET)
    inspector = open_page("inspector", TABLET_LANDSCAPE)
    expect(inspector.locator("#register")).to_have_count(0)
    open_incident(inspector, number)
    for form in ("#note", "#amend", "#close", "#assign", "#secret-form", "#reveal"):
        expect(inspector.locator(form)).to_have_count(0)
    expect(inspector.locator("#secret")).to_contain_text("仅限承办人员查看")
    for value in SECRET.values():
        assert value not in inspector.content()
