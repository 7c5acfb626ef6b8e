"""Fixtures: every real-stack test runs on SQLite and on PostgreSQL.

PostgreSQL tests are skipped when no server answers, unless CONSOLE_REQUIRE_PG=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support import Deployment, Server, pg_available, scratch_database

ROLES = ("duty_officer", "leader", "responder", "reviewer", "inspector", "admin")
_PG: bool | None = None


def _pg_ok() -> bool:
    global _PG
    if _PG is None:
        _PG = pg_available()
    return _PG


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgres" and not _pg_ok():
        if os.environ.get("CONSOLE_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL is required (CONSOLE_REQUIRE_PG=1) but does not answer")
        pytest.skip("PostgreSQL not reachable")
    return name


@pytest.fixture
def deployment(backend: str, tmp_path: Path) -> Iterator[Deployment]:
    """A migrated scratch database with a user of every role."""
    with scratch_database(backend, tmp_path) as url:
        dep = Deployment(url=url, data_dir=tmp_path, extra={"CONSOLE_HEARTBEAT_SECONDS": "5"})
        dep.migrate()
        dep.add_users({role.split("_")[0]: role for role in ROLES})
        yield dep


@pytest.fixture
def server(deployment: Deployment) -> Iterator[Server]:
    srv = Server(deployment).start()
    try:
        yield srv
    finally:
        srv.stop()
