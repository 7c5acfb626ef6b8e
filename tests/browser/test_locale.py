"""zh-CN by default, English on request, and back; errors in the user's language next to their cause."""

from __future__ import annotations

import re

from browser_support import TABLET_LANDSCAPE, OpenPage, screenshot, wait_live
from playwright.sync_api import expect
from support import Server


def test_switch_to_english_and_back(server: Server, open_page: OpenPage) -> None:
    page = open_page("leader", TABLET_LANDSCAPE)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".brand")).to_have_text("信访应急指挥台")

    page.click('.langs a[lang="en"]')
    wait_live(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".brand")).to_have_text("Incident Console")
    expect(page.locator("#board-title")).to_have_text("Incident board")
    expect(page.locator("#link .link-text")).to_have_text("Live")
    expect(page.locator("#board-empty")).to_have_text("No open incidents")
    expect(page.locator("#register label.choice", has_text="Reception hall")).to_be_visible()

    # A mistake is named next to the field, in English.
    page.click('#register label.choice:has-text("Elsewhere")')
    page.click("#register button[type=submit]")
    expect(page.locator('#register [data-error-for="place"]')).to_have_text("Pick or type a place")
    page.fill("#head_count", "-3")
    page.fill("#register [name=place_other]", "县档案馆门口")
    page.click("#register button[type=submit]")
    expect(page.locator('#register [data-error-for="head_count"]')).to_have_text(
        "Enter a whole number from 0 to 100000"
    )
    expect(page.locator('#register [data-error-for="place"]')).to_be_empty()

    screenshot(page, "board-en")

    # English dates name the month ("2 Dec, 05:41"), never 02/12
    page.fill("#register [name=place_other]", "County archives gate")
    page.fill("#head_count", "4")
    page.click("#register button[type=submit]")
    page.locator('#register [data-notice-for="form"] a').click()
    wait_live(page)
    stamp = page.locator("#timeline .entry time").first
    expect(stamp).to_have_text(
        re.compile(r"^\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec),? \d\d:\d\d$")
    )
    page.go_back()
    wait_live(page)

    page.click('.langs a[lang="zh-CN"]')
    wait_live(page)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".brand")).to_have_text("信访应急指挥台")
    expect(page.locator("#board-title")).to_have_text("事件看板")


def test_a_wrong_password_is_told_in_the_chosen_language(server: Server, browser: object) -> None:
    context = browser.new_context(locale="en-US")  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(server.base + "/login")
        expect(page.locator("h1")).to_have_text("Sign in")  # Accept-Language: English
        page.click('.langs a[lang="zh-CN"]')
        page.fill("input[name=username]", "duty")
        page.fill("input[name=password]", "not the password")
        page.click("form.login button[type=submit]")
        expect(page.locator("form.login .form-error")).to_have_text("用户名或密码错误")
        assert "Traceback" not in page.content()
        page.goto(server.base + "/incidents/no-such-incident")
        expect(page).to_have_url(server.base + "/login")
    finally:
        context.close()
