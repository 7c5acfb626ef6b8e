"""The in-app page (站内提醒) on the leader's tablet: a page arrives live, one tap on 确认 acknowledges it,
the banner goes, the delivery log shows the acknowledgement, and a second client sees it acknowledged."""

from __future__ import annotations

import sys
from pathlib import Path

from browser_support import TABLET_LANDSCAPE, OpenPage, screenshot
from playwright.sync_api import expect
from support import Server

from alerts.message import level_text

sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
from org import Api, import_organisation, sit_in


def test_the_leader_acknowledges_a_live_page_with_one_tap_on_the_tablet(
    server: Server, open_page: OpenPage
) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    tablet = open_page("leader", TABLET_LANDSCAPE, "/")
    other = open_page("leader", TABLET_LANDSCAPE, "/")  # the leader's second screen
    banner = tablet.locator("#alert-pages")
    expect(banner).to_be_hidden()

    incident_id = sit_in(duty)  # 静坐 at the gate: the urgent policy pages the leader on duty at once
    number = duty.get(f"/api/incidents/{incident_id}").json()["incident"]["number"]
    page = banner.locator(".alert-page")
    expect(page).to_have_count(1, timeout=15_000)
    expect(page).to_contain_text(number)
    expect(page).to_contain_text("请立即赶赴机关大门")
    expect(page).to_contain_text("通知级别 1")
    expect(page).to_contain_text("发起人")
    # The incident's level as its run stands, as the board shows it (graded at registration).
    [run] = [r for r in duty.get("/api/runs").json()["runs"] if r["incident_id"] == incident_id]
    expect(page).to_contain_text(level_text(run["level"]))
    expect(other.locator("#alert-pages .alert-page")).to_have_count(1, timeout=15_000)
    screenshot(tablet, "alerts-banner-paged")

    button = page.get_by_role("button", name="确认接收")
    button.tap()
    expect(banner).to_be_hidden(timeout=15_000)
    expect(other.locator("#alert-pages")).to_be_hidden(timeout=15_000)

    log = duty.get(f"/api/incidents/{incident_id}/alerts").json()
    leader_rows = [r for r in log["attempts"] if r["person_id"] == "leader"]
    assert leader_rows, log
    assert all(r["ack_route"] == "console" and r["acked_at"] for r in leader_rows), leader_rows
    mine = Api(server, "leader").get("/api/alerts/mine").json()
    assert mine["pages"] == []

    # The delivery log's page says the same to the duty desk.
    tablet.goto(server.base + f"/incidents/{incident_id}/alerts")
    expect(tablet.locator("table.alerts-log tbody tr").first).to_contain_text("在指挥台确认")


def test_the_banner_reads_again_only_for_events_that_concern_this_person(
    server: Server, open_page: OpenPage
) -> None:
    """A busy worker records an attempt per message and every screen receives it: the banner reads
    /api/alerts/mine again for the triggers that may page anyone, an escalation naming this person, or
    news of a page it shows; not for other people's attempts, acknowledgements and escalations
    (sending must not slow the live screens). Asked of the shipped script in the browser."""
    duty = Api(server, "duty")
    import_organisation(duty)
    tablet = open_page("leader", TABLET_LANDSCAPE, "/")
    me = Api(server, "leader").get("/api/alerts/mine").json()["person_id"]
    assert me, "the leader's login is a person"
    # The banner's first read has answered: it knows whose pages it shows.
    tablet.wait_for_function("() => window.PagesAlerts && window.PagesAlerts.person() !== null")
    assert tablet.evaluate("() => window.PagesAlerts.person()") == me
    cases = [
        ("alert.attempt_recorded", {"alert_id": "someone-elses", "person_id": "r1"}, False),
        ("alert.acknowledged", {"alert_id": "someone-elses", "person_id": "r1"}, False),
        ("alert.escalated", {"alert_id": "someone-elses", "people": ["r1", "r2"]}, False),
        ("alert.channels_set", {"person_id": me}, False),
        ("alert.escalated", {"alert_id": "a-new-one", "people": ["r1", me]}, True),
        ("incident.registered", {"incident_id": "x"}, True),  # may page anyone, in its own transaction
        ("run.action_fired", {"incident_id": "x"}, True),
        ("report.submitted", {"report_id": "x"}, True),
    ]
    got = tablet.evaluate(
        "(cases) => cases.map(([event, data]) => window.PagesAlerts.concerns({event, data}))",
        [[name, data] for name, data, _ in cases],
    )
    assert got == [want for _, _, want in cases], list(zip(cases, got, strict=True))
