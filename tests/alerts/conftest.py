"""Fixtures of the alerts tests: a real database on SQLite and on PostgreSQL, a console's writer and
alert worker in the test's loop, and real receivers for apprise on free ports."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from alert_console import AlertConsole
from alert_receivers import HttpReceiver, SmtpServer, start_http_receiver, start_smtp
from support import Deployment, pg_available

_PG: list[bool] = []


def _usable(name: str) -> str:
    if name == "postgres":
        if not _PG:
            _PG.append(pg_available())
        if not _PG[0]:
            if os.environ.get("CONSOLE_REQUIRE_PG") == "1":
                pytest.fail("PostgreSQL is required (CONSOLE_REQUIRE_PG=1) but does not answer")
            pytest.skip("PostgreSQL not reachable")
    return name


# The modules whose behaviour depends on the database (claiming, leases, two senders) run on both;
# the others check what the alerts say and decide, which the database does not change.
BOTH_BACKENDS = frozenset(
    {
        "test_alert_outbox",
        "test_alert_senders",
        "test_alert_batch_record",
        "test_alert_sender_process",
        "test_alert_quiet_hours",
        "test_alert_ack_dispatch",
        "test_alert_policy_books",
        "test_alert_banner_level",
        "test_alert_in_app",
        "test_alert_resend",
        "test_alert_book_restart",
    }
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "alerts_backend" in metafunc.fixturenames:
        module = metafunc.module.__name__.rsplit(".", 1)[-1]
        params: list[Any] = ["sqlite"]
        if module in BOTH_BACKENDS:
            params.append(pytest.param("postgres", marks=pytest.mark.postgres))
        metafunc.parametrize("alerts_backend", params, indirect=True)


@pytest.fixture
def alerts_backend(request: pytest.FixtureRequest) -> str:
    return _usable(request.param)


ALERT_ENV = {
    "CONSOLE_ALERT_BACKOFF_SECONDS": "30",
    "CONSOLE_ALERT_ATTEMPTS_PER_CHANNEL": "2",
    "CONSOLE_ALERT_LEASE_SECONDS": "30",
    "CONSOLE_ALERT_BASE_URL": "http://console.test",
}


@pytest.fixture
def alert_deployment(alerts_backend: str, tmp_path: Path, templates: Any) -> Iterator[Deployment]:
    with templates.get(alerts_backend).copy(tmp_path) as url:
        made = Deployment(url=url, data_dir=tmp_path, extra=dict(ALERT_ENV))
        made.add_users({"boss": "leader"})  # the commission's leader (the template has one user per role)
        yield made


@pytest.fixture
async def console(alert_deployment: Deployment) -> AsyncIterator[AlertConsole]:
    made = await AlertConsole(alert_deployment.settings).start()
    try:
        await made.organisation()
        yield made
    finally:
        await made.stop()


@pytest.fixture(scope="session")
def receiver() -> Iterator[HttpReceiver]:
    rec = start_http_receiver()
    try:
        yield rec
    finally:
        rec.server.shutdown()
        rec.server.server_close()


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    server = start_smtp()
    try:
        yield server
    finally:
        server.controller.stop()
