"""The board and the incident room, live across two browsers, and through a network that drops."""

from __future__ import annotations

import re

from browser_support import (
    DESK,
    TABLET,
    Api,
    OpenPage,
    open_drawer,
    open_incident,
    register_in_ui,
    screenshot,
    wait_live,
)
from playwright.sync_api import expect
from support import Server

# True once the service worker controls the page (false after 10 s: a ceiling, not a measurement).
IN_CONTROL = """() => navigator.serviceWorker.controller ? true : new Promise((resolve) => {
  navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), {once: true});
  setTimeout(() => resolve(!!navigator.serviceWorker.controller), 10000);
})"""


def test_a_registered_incident_appears_live_on_a_leaders_tablet(server: Server, open_page: OpenPage) -> None:
    duty = open_page("duty", DESK)
    leader = open_page("leader", TABLET)
    expect(leader.locator("#board-empty")).to_have_text("暂无处置中的事件")

    form = duty.locator("#register")
    form.locator("label.choice", has_text="越级集体访").click()
    form.locator("label.choice", has_text="机关大门").click()
    form.locator("#head_count").fill("23")
    form.locator("button[type=submit]").click()

    # The leader's board shows it live, without a reload (how fast is measured in bench/, not here).
    row = leader.locator("#board-rows a.row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("越级集体访")
    expect(row).to_contain_text("机关大门")
    expect(row).to_contain_text("23 人")
    expect(row).to_contain_text("处置中")
    expect(form.locator('[data-notice-for="form"]')).to_have_text(re.compile(r"已登记 XF-\d{4}-0001"))
    # The form is ready for the next one, with its defaults back.
    expect(form.locator("#head_count")).to_have_value("5")


def test_notes_added_offline_are_sent_once_when_the_tablet_is_back(
    server: Server, open_page: OpenPage
) -> None:
    duty = open_page("duty", DESK)
    number = register_in_ui(duty, type_label="集体访", place="接待大厅", head_count=12)
    leader = open_page("leader", TABLET)
    # The service worker installs in the background and may not be in control yet when the board is
    # live; pages it has not served are not kept, so the room is opened once it is.
    assert leader.evaluate(IN_CONTROL)
    incident_id = open_incident(leader, number)
    open_incident(duty, number)
    # The page is kept for offline use once the service worker controls it.
    assert leader.evaluate("navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)")

    leader.context.set_offline(True)
    leader.evaluate("window.consoleLive.ws && window.consoleLive.ws.close()")
    expect(leader.locator("#link")).to_have_attribute("data-state", "offline")
    expect(leader.locator("#link .link-text")).to_have_text("离线：操作在本机排队")

    notes = ["现场人数增至20人，情绪稳定", "已通知属地派出所到场"]
    for text in notes:
        leader.fill("#note-text", text)
        leader.click("#note button[type=submit]")
    expect(leader.locator("#link .link-pending")).to_have_text("2 条待发送")
    expect(leader.locator("#timeline .entry.pending")).to_have_count(2)
    expect(leader.locator('#note [data-notice-for="form"]')).to_have_text(
        "已保存在本设备，恢复连接后自动发送"
    )

    # A reload while offline keeps the queue (and the page, from the service worker).
    leader.reload()
    expect(leader.locator("#link .link-pending")).to_have_text("2 条待发送")
    expect(leader.locator("#timeline .entry.pending")).to_have_count(2)
    expect(duty.locator("#timeline .entry.ev-note_added")).to_have_count(0)
    screenshot(leader, "room-offline")
    queued = leader.evaluate("window.consoleLive.queue")
    assert [c["args"]["text"] for c in queued] == notes

    leader.context.set_offline(False)
    wait_live(leader)
    expect(leader.locator("#link .link-pending")).to_be_hidden()
    for page in (leader, duty):
        expect(page.locator("#timeline .entry.pending")).to_have_count(0)
        for text in notes:
            expect(page.locator("#timeline .entry.ev-note_added", has_text=text)).to_have_count(1)

    # Sending the same commands again (a result lost on the way back) changes nothing: same ids.
    leader.evaluate(
        """(cmds) => { const live = window.consoleLive; live.queue.push(...cmds);
                       live.ws && live.ws.close(); }""",
        queued,
    )
    wait_live(leader)
    expect(leader.locator("#link .link-pending")).to_be_hidden()
    held = Api(server, "duty").incident(incident_id)["notes"]
    assert sorted(n["text"] for n in held) == sorted(notes)
    for page in (leader, duty):
        for text in notes:
            expect(page.locator("#timeline .entry.ev-note_added", has_text=text)).to_have_count(1)


def test_amendments_and_closing_show_live_in_both_rooms(server: Server, open_page: OpenPage) -> None:
    duty = open_page("duty", DESK)
    number = register_in_ui(duty, type_label="静坐", place="县委大院", head_count=8)
    leader = open_page("leader", TABLET)
    open_incident(leader, number)
    open_incident(duty, number)

    open_drawer(duty, "更正事实")
    amend = duty.locator("#amend")
    amend.locator("[name=head_count]").fill("30")
    amend.locator("[name=reason]").fill("现场清点")
    amend.locator("button[type=submit]").click()
    expect(leader.locator('[data-f="heads"]')).to_have_text("30")
    expect(leader.locator("#timeline .entry.ev-facts_amended")).to_contain_text("人数：30")
    expect(leader.locator("#timeline .entry.ev-facts_amended")).to_contain_text("原因：现场清点")

    # An amendment that changes nothing is refused next to the form, in the user's language.
    open_drawer(duty, "更正事实")
    amend.locator("button[type=submit]").click()
    expect(amend.locator('[data-error-for="form"]')).to_have_text("没有需要更正的内容")

    open_drawer(leader, "结案")
    close = leader.locator("#close")
    close.locator("label.choice", has_text="已劝离").click()
    close.locator("button[type=submit]").click()
    # steps still open and no final report: the console says so first, then closes on a second tap
    expect(close.locator("#close-warning")).to_contain_text("终报尚未报送")
    close.locator("button[type=submit]", has_text="仍然结案").click()
    expect(duty.locator('[data-f="status"]')).to_have_text("已结案")
    expect(duty.locator("#timeline .entry.ev-closed")).to_contain_text("结案：已劝离")
    expect(duty.locator("#note")).to_be_hidden()

    duty.goto(server.base + "/")
    wait_live(duty)
    expect(duty.locator(f'#board-rows a.row[data-number="{number}"]')).to_have_count(0)
    duty.click('.tab[data-show="closed"]')
    expect(duty.locator(f'#board-rows a.row[data-number="{number}"]')).to_contain_text("已结案")
