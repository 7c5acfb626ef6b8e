"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright for Python, against a real
console server on SQLite.

Playwright's own browser download is never used (the pip package carries only its driver). Without
/usr/bin/chromium or the playwright package these tests skip, unless CONSOLE_REQUIRE_BROWSER=1 (CI)
makes that a failure. What the test modules share (sizes, signing in, screenshots) is in
browser_support.py; this file holds only the fixtures.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, TABLET, OpenPage, Page, sign_in, wait_live
from support import Served

try:
    import playwright.sync_api  # noqa: F401
except ImportError:
    if os.environ.get("CONSOLE_REQUIRE_BROWSER") == "1":
        raise
    # Without the package (a bare `pip install .`) only the catalog checks can run.
    collect_ignore_glob = ["test_l*.py", "test_permissions_ui.py"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CONSOLE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"a browser is required (CONSOLE_REQUIRE_BROWSER=1): {reason}")
    pytest.skip(reason)


@pytest.fixture
def backend() -> str:
    """Browser tests run on SQLite only (the protocol tests cover PostgreSQL)."""
    return "sqlite"


@pytest.fixture
def browser(server: Served) -> Iterator[Any]:
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
    from playwright.sync_api import expect

    # How long an expectation waits for the page: a ceiling for a stuck page, not a measurement (a
    # passing check returns as soon as it holds); Playwright's 5 s is too little on a loaded machine.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def open_page(browser: Any, server: Served) -> Iterator[OpenPage]:
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
