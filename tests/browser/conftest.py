"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright for Python, against a real
console server on SQLite.

Playwright's own browser download is never used (the pip package carries only its driver). Without
/usr/bin/chromium or the playwright package these tests skip, unless CONSOLE_REQUIRE_BROWSER=1 (CI)
makes that a failure. What the test modules share (sizes, signing in, screenshots) is in
browser_support.py; this file holds only the fixtures.
"""

from __future__ import annotations

import asyncio
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


class SharedChromium:
    """One Playwright driver and one Chromium per pytest process (xdist worker), shared by its browser
    tests; each test gets contexts of its own (cookies, storage, viewport), closed after it.

    Playwright's sync API leaves its event loop marked as this thread's running loop while it is
    started, which would make every asyncio.run and every async test that follows fail ("cannot be
    called from a running event loop"). Between browser tests the mark is taken off and put back
    when the next one starts: nothing of Playwright's runs in between (its sync API only runs its loop
    inside a call), so the driver and Chromium simply wait, and starting them once instead of per test
    saves the driver's start (~1.4 s) and Chromium's launch and close (~1 s) on every browser test.
    """

    def __init__(self) -> None:
        self.playwright: Any = None
        self.chromium: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def enter(self) -> Any:
        if self.playwright is None:
            from playwright.sync_api import sync_playwright

            self.playwright = sync_playwright().start()
            self.loop = asyncio.events._get_running_loop()
        else:
            asyncio.events._set_running_loop(self.loop)
        if self.chromium is None or not self.chromium.is_connected():
            self.chromium = self.playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        return self.chromium

    def leave(self) -> None:
        asyncio.events._set_running_loop(None)

    def close(self) -> None:
        if self.playwright is None:
            return
        asyncio.events._set_running_loop(self.loop)
        try:
            if self.chromium is not None:
                self.chromium.close()
        finally:
            self.playwright.stop()  # ends Playwright's loop, which takes the running mark off itself


def close_context(context: Any) -> None:
    """Close a test's context so that nothing of it reaches the next test: a route handler still
    running (a test's slow network) would otherwise raise "target closed" into the next test's first
    call, since the driver, shared, lives on."""
    for page in context.pages:
        page.unroute_all(behavior="ignoreErrors")
    context.unroute_all(behavior="ignoreErrors")
    context.close()


@pytest.fixture(scope="session")
def shared_chromium() -> Iterator[SharedChromium]:
    shared = SharedChromium()
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture
def browser(server: Served, shared_chromium: SharedChromium) -> Iterator[Any]:
    """The worker's Chromium, for this test after its server and database are ready (their fixtures
    call asyncio.run, which cannot run while Playwright's loop is marked running), and every context
    the test opened closed before they go."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed")
    from playwright.sync_api import expect

    # How long an expectation waits for the page: a ceiling for a stuck page, not a measurement (a
    # passing check returns as soon as it holds); Playwright's 5 s is too little on a loaded machine.
    expect.set_options(timeout=15_000)
    chromium = shared_chromium.enter()
    try:
        before = set(map(id, chromium.contexts))
        yield chromium
        for context in chromium.contexts:
            if id(context) not in before:
                close_context(context)
    finally:
        shared_chromium.leave()


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
        close_context(context)
    assert not errors, errors
