"""What the browser tests share: the browser's settings and sizes, signing in, screenshots, and what they
do through the UI (and, for setting the scene, through the HTTP API). A module of its own, not conftest:
test modules import it by a name no other directory uses, and mypy checks it with them."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from support import PASSWORD, PLAIN_HTTP, ROOT, Served, command_id, login

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
# The closed network refuses Chromium's own background connections; these flags stop it trying.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

TABLET = {"width": 768, "height": 1024}
TABLET_LANDSCAPE = {"width": 1024, "height": 768}
DESK = {"width": 1920, "height": 1080}

NUMBER = re.compile(r"XF-\d{4}-\d{4}")

Page = Any
OpenPage = Callable[..., Page]
"""The `open_page` fixture (conftest.py): open_page("leader", TABLET, path="/") -> a signed-in page."""


def sign_in(page: Page, server: Served, username: str) -> None:
    page.goto(server.base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(server.base + "/")


def wait_live(page: Page) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#link")).to_have_attribute("data-state", "live", timeout=10_000)


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    path = ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png"
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top of a full-page shot
    page.screenshot(path=str(path), full_page=True)
    return path


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
    expect(notice).to_have_text(NUMBER)
    match = NUMBER.search(notice.inner_text())
    assert match is not None
    return match.group(0)


def open_incident(page: Page, number: str) -> str:
    """Open the incident room from the board; returns the incident id."""
    from playwright.sync_api import expect

    row = page.locator(f'#board-rows a.row[data-number="{number}"]')
    expect(row).to_have_count(1)
    href: str | None = row.get_attribute("href")
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

    def __init__(self, server: Served, username: str) -> None:
        self.server = server
        self.cookie, self.csrf = login(server, username)

    def command(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        r = httpx.post(
            self.server.base + "/api/commands",
            json={"id": command_id(), "name": name, "args": args},
            cookies={"ic_session": self.cookie},
            headers={"X-CSRF-Token": self.csrf},
            verify=PLAIN_HTTP,
        )
        body: dict[str, Any] = r.json()
        assert body["ok"], body
        return body

    def incident(self, incident_id: str) -> dict[str, Any]:
        r = httpx.get(
            self.server.base + f"/api/incidents/{incident_id}",
            cookies={"ic_session": self.cookie},
            verify=PLAIN_HTTP,
        )
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        return body
