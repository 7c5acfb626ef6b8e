"""The review page on a tablet (1024×768): the compliance table names who held a late duty, the
timeline is drawn, and the slider replays the incident in both modes (a late-reported arrival)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "review"))

from browser_support import TABLET_LANDSCAPE, OpenPage
from script import INCIDENT, load_into
from support import Deployment, LocalServer


@pytest.fixture
def server(deployment: Deployment) -> Iterator[LocalServer]:
    load_into(deployment)  # before the browser starts (it runs an event loop on this thread)
    srv = LocalServer(deployment).start()
    try:
        yield srv
    finally:
        srv.stop()


def test_slider_and_timeline_on_a_tablet(open_page: OpenPage, server: LocalServer) -> None:
    from playwright.sync_api import expect

    page = open_page("reviewer", TABLET_LANDSCAPE)
    page.goto(server.base + f"/incidents/{INCIDENT}/review")
    late = page.locator("#rv-compliance tr[data-item=notify_leader]")
    expect(late).to_contain_text("王值班")
    expect(late).to_have_attribute("data-outcome", "late")
    expect(page.locator("#rv-chain")).to_have_attribute("data-ok", "true")
    # the timeline is in the page itself (its marks' tooltips show on hover), a lane per person
    lanes = page.locator("#rv-timeline svg g.lane.person")
    expect(lanes).to_have_count(2)
    # the scripted sit-in's pages (its dispatches) and its report obligations have lanes of their own
    expect(page.locator("#rv-timeline svg g.heading text")).to_have_text(["人员", "步骤", "通知", "报告"])

    # 09:20: 陈队长 was on the scene since 09:16, entered only at 09:31 (the slider steps by instants)
    page.evaluate(
        """async () => {
          const span = (await (await fetch('/api/incidents/i1/review')).json()).span;
          const s = document.getElementById('rv-slider');
          s.value = String(span.instants.indexOf('2026-03-02T09:20:00.000000Z'));
          s.dispatchEvent(new Event('input'));
        }"""
    )
    expect(page.locator("#rv-at")).to_contain_text("17:20")  # Asia/Shanghai
    chen = page.locator("#rv-people tr[data-person=p-chen]")
    expect(chen).to_have_attribute("data-status", "acknowledged")
    page.check("input[name=mode][value=happened]")
    expect(chen).to_have_attribute("data-status", "on_scene")
    expect(chen).to_have_attribute("data-late", "true")
    expect(chen).to_contain_text("迟报 15 分钟")
    page.check("input[name=mode][value=known]")
    expect(chen).to_have_attribute("data-status", "acknowledged")

    # 逐事件: the buttons step to the previous and next event of the mode shown
    page.check("input[name=mode][value=happened]")
    expect(chen).to_have_attribute("data-status", "on_scene")
    page.click("#rv-prev")  # 09:16, when 陈队长 arrived
    expect(page.locator("#rv-at")).to_contain_text("17:16")
    expect(chen).to_have_attribute("data-status", "on_scene")
    page.click("#rv-prev")  # 09:14, the phone report, before the arrival
    expect(page.locator("#rv-at")).to_contain_text("17:14")
    expect(chen).to_have_attribute("data-status", "acknowledged")
    expect(page.locator("#rv-event")).to_contain_text("第 8 /")
    page.check("input[name=mode][value=known]")
    page.click("#rv-next")  # what was entered next: the 09:20 step (the arrival came in at 09:31)
    expect(page.locator("#rv-at")).to_contain_text("17:20")
    expect(chen).to_have_attribute("data-status", "acknowledged")

    # a click on a mark of the timeline stands the replay at its instant: 陈队长 on the scene, 09:16
    page.check("input[name=mode][value=happened]")
    page.locator("#rv-timeline g[data-person=p-chen] rect[data-status=on_scene]").click()
    expect(page.locator("#rv-at")).to_contain_text("17:16")
    expect(chen).to_have_attribute("data-status", "on_scene")


def test_an_activity_entry_opens_the_replay_where_it_was_recorded(
    open_page: OpenPage, server: LocalServer
) -> None:
    from playwright.sync_api import expect

    page = open_page("reviewer", TABLET_LANDSCAPE)
    page.goto(server.base + f"/incidents/{INCIDENT}/activity")
    # 陈队长's arrival: it happened at 09:16 and was entered at 09:31 (补记)
    arrived = page.locator("section[data-person=p-chen] tr[data-activity=on_scene]")
    expect(arrived).to_have_attribute("data-late", "true")
    arrived.locator("td.positions a").click()
    expect(page.locator("#rv-at")).to_contain_text("17:31")  # Asia/Shanghai
    chen = page.locator("#rv-people tr[data-person=p-chen]")
    expect(chen).to_have_attribute("data-status", "on_scene")  # known from then on
    expect(page.locator("input[name=mode][value=known]")).to_be_checked()
    page.click("#rv-prev")
    expect(chen).to_have_attribute("data-status", "acknowledged")
