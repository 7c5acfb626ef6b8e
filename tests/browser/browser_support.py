"""What the browser tests do through the UI (and, for setting the scene, through the HTTP API)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from support import Server, command_id, login

Page = Any


def register_in_ui(
    page: Page,
    *,
    type_label: str,
    place: str,
    head_count: int,
    summary: str = "",
    confidential: dict[str, str] | None = None,
) -> str:
    """Fill in and send the register form; returns the number the console gave the incident."""
    from playwright.sync_api import expect

    form = page.locator("#register")
    form.locator("label.choice", has_text=type_label).first.click()
    form.locator("label.choice", has_text=place).first.click()
    form.locator("#head_count").fill(str(head_count))
    if summary:
        form.locator("textarea[name=summary]").fill(summary)
    if confidential:
        form.locator("details.secret > summary").click()
        for name, value in confidential.items():
            form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    notice = form.locator('[data-notice-for="form"]')
    expect(notice).to_have_text(re.compile(r"XF-\d{4}-\d{4}"))
    match = re.search(r"XF-\d{4}-\d{4}", notice.inner_text())
    assert match is not None
    return match.group(0)


def open_incident(page: Page, number: str) -> str:
    """Open the incident room from the board; returns the incident id."""
    from playwright.sync_api import expect

    row = page.locator(f'#board-rows a.row[data-number="{number}"]')
    expect(row).to_have_count(1)
    href = row.get_attribute("href")
    assert href is not None
    row.click()
    page.wait_for_url(re.compile(r"/incidents/"))
    expect(page.locator("#link")).to_have_attribute("data-state", "live", timeout=10_000)
    return href.rsplit("/", 1)[-1]


def open_drawer(page: Page, label: str) -> None:
    """Open one of the room's drawers (事件详情, 更正事实, 举报人信息, 承办人员, 结案) from its head."""
    from playwright.sync_api import expect

    tab = page.locator(".drawer-tabs button", has_text=label)
    tab.click()
    expect(tab).to_have_attribute("aria-expanded", "true")


class Api:
    """A user's HTTP session, for setting the scene quickly and checking what the server holds."""

    def __init__(self, server: Server, username: str) -> None:
        self.server = server
        self.cookie, self.csrf = login(server, username)

    def command(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        r = httpx.post(
            self.server.base + "/api/commands",
            json={"id": command_id(), "name": name, "args": args},
            cookies={"ic_session": self.cookie},
            headers={"X-CSRF-Token": self.csrf},
        )
        body: dict[str, Any] = r.json()
        assert body["ok"], body
        return body

    def incident(self, incident_id: str) -> dict[str, Any]:
        r = httpx.get(self.server.base + f"/api/incidents/{incident_id}", cookies={"ic_session": self.cookie})
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        return body
