"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright for Python, against a real
console server on SQLite.

Playwright's own browser download is never used (the pip package carries only its driver). Without
/usr/bin/chromium or the playwright package these tests skip, unless CONSOLE_REQUIRE_BROWSER=1 (CI)
makes that a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support import PASSWORD, ROOT, Server

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
try:
    import playwright.sync_api  # noqa: F401
except ImportError:
    if os.environ.get("CONSOLE_REQUIRE_BROWSER") == "1":
        raise
    # Without the package (a bare `pip install .`) only the catalog checks can run.
    collect_ignore_glob = ["test_l*.py", "test_permissions_ui.py"]

TABLET = {"width": 768, "height": 1024}
TABLET_LANDSCAPE = {"width": 1024, "height": 768}
DESK = {"width": 1920, "height": 1080}


def _unavailable(reason: str) -> None:
    if os.environ.get("CONSOLE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"a browser is required (CONSOLE_REQUIRE_BROWSER=1): {reason}")
    pytest.skip(reason)


@pytest.fixture
def backend() -> str:
    """Browser tests run on SQLite only (the protocol tests cover PostgreSQL)."""
    return "sqlite"


@pytest.fixture
def browser(server: Server) -> Iterator[Any]:
    """Chromium, started after the server and its database are ready and closed before they go.

    Playwright's sync API runs an event loop on this thread while it is started, so anything that
    calls asyncio.run (the deployment fixtures do) must happen outside its lifetime.
    """
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


Page = Any
OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(browser: Any, server: Server) -> Iterator[OpenPage]:
    """A signed-in page in its own browser context: open_page("leader", TABLET)."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_(username: str, viewport: dict[str, int] = TABLET, path: str = "/") -> Page:
        context = browser.new_context(
            viewport=viewport,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            has_touch=viewport["width"] < 1200,
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
        sign_in(page, server, username)
        if path != "/":
            page.goto(server.base + path)
        wait_live(page)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, errors


def sign_in(page: Page, server: Server, username: str) -> None:
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


NUMBER = re.compile(r"XF-\d{4}-\d{4}")
