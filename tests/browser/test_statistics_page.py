"""统计报告 in the browser: the duty officer drafts last month's statistics from the page, is told when a
period is not over yet, completes the analysis and submits it for approval on the report page."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from browser_support import TABLET, OpenPage, screenshot
from playwright.sync_api import expect
from support import Served


def test_last_months_statistics_are_drafted_and_submitted_from_the_page(
    open_page: OpenPage, server: Served
) -> None:
    page = open_page("duty", TABLET)
    page.locator("nav a[href='/statistics']").click()  # the nav's 统计报告
    page.wait_for_url(server.base + "/statistics")
    local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    form = page.locator("#draft-statistics")
    period = form.locator("input[name=period]")
    expect(period).to_have_value(f"{year:04d}-{month:02d}")  # last month, the one drafted most often

    period.fill(f"{local:%Y-%m}")  # this month is not over
    form.locator("button[type=submit]").click()
    expect(page.locator("#report-failed")).to_contain_text("统计期间尚未结束")

    period.fill(f"{year:04d}-{month:02d}")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/reports/*")
    expect(page.locator("#report-title")).to_have_text(f"关于{year}年{month}月信访突发事件处置情况的统计报告")
    expect(page.locator("[data-f=status]")).to_have_text("草稿")
    overview = page.locator("textarea[name=overview]")
    expect(overview).to_have_value(
        "突发事件总数：0起。\n集体访：0起。\n越级集体访：0起。\n按时报送率：—（0/0）。\n平均到场时间：—。"
    )
    analysis = page.locator(".report-field.missing textarea[name=analysis]")
    expect(analysis).to_be_visible()
    analysis.fill("本月未发生信访突发事件。")
    page.locator("#actions button[data-cmd='report.submit']").click()
    expect(page.locator("[data-f=status]")).to_have_text("待签发")
    expect(page.locator(".report-field.missing")).to_have_count(0)
    # Only the field the officer wrote is the officer's; the figures stay the log's, with their sources.
    expect(page.locator(".report-field[data-key=analysis] .sources")).to_have_text("值班员填写")
    expect(page.locator(".report-field[data-key=overview] .sources")).not_to_have_text("值班员填写")
    expect(page.locator("a[href='/statistics']").first).to_be_visible()
    screenshot(page, "statistics-report-submitted")
