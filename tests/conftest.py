"""Fixtures: real databases (SQLite files, the real PostgreSQL) and real console servers.

PostgreSQL tests are skipped when no server answers, unless CONSOLE_REQUIRE_PG=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support import Deployment, LocalServer, Server, Template, pg_available

ROLES = ("duty_officer", "leader", "responder", "reviewer", "inspector", "admin")
_PG: bool | None = None

# Modules whose behaviour depends on the database run on SQLite and on PostgreSQL; every other
# real-stack test runs on SQLite only, since the database adds nothing to what it checks:
# - the log and its writers: eventlog (hash chain, concurrent appends), processes (LISTEN/NOTIFY wake-ups
#   and the poll between processes), crash (what survives a kill), resume_property and protocol (replay
#   and snapshots read back from the log), sessions (ending a user's sessions in every process);
# - races between processes over one database: runs (each timer fires once), rollcall_overdue;
# - revoking an API token, which closes its sockets in every process (tokens);
# - replaying and copying the database: rebuild, cli (seed-demo, backup with pg_dump);
# - input that reaches the database: fuzz and bad_input (NUL, lone surrogates, 64-bit positions are
#   refused differently by each driver), dispatch_live (the responders' projections and their queries);
# - bounded reads: the snapshot's window query and the paging queries read each database differently;
# - the review's activity log and the inspector's scope over every review and report route (review_*);
# - who a page reaches, read with a LIKE on each person's roles (alert_people_for_reads).
BOTH_BACKENDS = frozenset(
    {
        "test_eventlog",
        "test_processes",
        "test_crash",
        "test_resume_property",
        "test_protocol",
        "test_sessions",
        "test_tokens",
        "test_runs",
        "test_rollcall_overdue",
        "test_rebuild",
        "test_cli",
        "test_fuzz",
        "test_bad_input",
        "test_dispatch_live",
        "test_alert_people_for_reads",
        "test_bounded_reads",
        "test_statistics_reports_live",
        "test_statistics_schedule_live",
        "test_review_activity_web",
        "test_review_end",
        "test_review_person_activity",
        "test_review_involvement",
        "test_review_scope_routes",
        "test_recusal_live",
        "test_inspector_live_stream",
        "test_inspector_live_routes",
        "test_recusal_writer_marks",
        "test_writer_batch_writes",
        "test_review_targets_live",
    }
)


# What the run cost, printed after pytest's slowest-15 list (--durations in pyproject): the wall time and
# the seconds all tests took by phase, summed over xdist's workers. The sum is the work the suite does;
# it is what to compare between runs on a machine whose load changes (the wall time is that work
# divided among the workers, bounded below by the longest single test).
_STARTED: list[float] = []
_SPENT = {"setup": 0.0, "call": 0.0, "teardown": 0.0}


def pytest_sessionstart(session: pytest.Session) -> None:
    _STARTED.append(time.monotonic())


# Long tests first. Under xdist's worksteal every worker starts on a contiguous share of the collection
# and idle workers take the tail of the busiest one's queue, so a 30-second test collected near the end
# can start last and hold the run open while the other workers sit idle. Each run records how long every
# test took (in pytest's cache: the controller sees every worker's reports) and the next run moves the
# ones that took LONG_SECONDS or more to the front, longest first. The order is a function of that cache
# file alone, read by every worker before any test runs, so all workers collect the same order (xdist
# refuses to run otherwise); without a cache (a fresh checkout) the collection order is unchanged.
DURATIONS_KEY = "console/durations"
LONG_SECONDS = 3.0
_TOOK: dict[str, float] = {}


def _moves(item: pytest.Item) -> bool:
    """A test whose fixtures are all per test or per session: moving it splits no module's shared server
    or database (a module-scoped fixture would be set up again for the rest of its module)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return all(d.scope in ("function", "session") for defs in info.name2fixturedefs.values() for d in defs)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    cache = getattr(config, "cache", None)
    took: dict[str, float] = (cache.get(DURATIONS_KEY, {}) if cache is not None else {}) or {}
    if not isinstance(took, dict):
        return
    long = [item for item in items if float(took.get(item.nodeid, 0)) >= LONG_SECONDS and _moves(item)]
    if not long:
        return
    long.sort(key=lambda item: (-float(took[item.nodeid]), item.nodeid))
    chosen = {id(item) for item in long}
    items[:] = long + [item for item in items if id(item) not in chosen]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _SPENT[report.when] += report.duration
    _TOOK[report.nodeid] = _TOOK.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    cache = getattr(session.config, "cache", None)
    if hasattr(session.config, "workerinput") or cache is None or not _TOOK:
        return  # an xdist worker: the controller has every worker's reports and writes them once
    took = cache.get(DURATIONS_KEY, {}) or {}
    if not isinstance(took, dict):
        took = {}
    took.update({nodeid: round(seconds, 2) for nodeid, seconds in _TOOK.items()})
    cache.set(DURATIONS_KEY, took)


@pytest.hookimpl(trylast=True)  # after the slowest-15 list
def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or not _STARTED:
        return  # an xdist worker: its controller reports for the whole run
    wall = time.monotonic() - _STARTED[0]
    spent = sum(_SPENT.values())
    phases = ", ".join(f"{when} {seconds:.0f} s" for when, seconds in _SPENT.items())
    terminalreporter.write_sep("=", "suite time")
    terminalreporter.write_line(f"{wall:.1f} s wall; tests took {spent:.0f} s summed over workers ({phases})")


def _pg_ok() -> bool:
    global _PG
    if _PG is None:
        _PG = pg_available()
    return _PG


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    both = module in BOTH_BACKENDS
    params = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)] if both else ["sqlite"]
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", params, indirect=True)
    elif "module_backend" in metafunc.fixturenames:
        metafunc.parametrize("module_backend", params, indirect=True, scope="module")


def _usable(name: str) -> str:
    if name == "postgres" and not _pg_ok():
        if os.environ.get("CONSOLE_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL is required (CONSOLE_REQUIRE_PG=1) but does not answer")
        pytest.skip("PostgreSQL not reachable")
    return name


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return _usable(request.param)


@pytest.fixture(scope="module")
def module_backend(request: pytest.FixtureRequest) -> str:
    """The backend of a module's shared deployment (`module_deployment`)."""
    return _usable(request.param)


class Templates:
    """One migrated database per backend and test session, with a user of every role; copied per test."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.made: dict[str, Template] = {}

    def get(self, backend: str) -> Template:
        if backend not in self.made:
            self.made[backend] = Template(backend, self.directory, {r.split("_")[0]: r for r in ROLES})
        return self.made[backend]

    def drop(self) -> None:
        for template in self.made.values():
            template.drop()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("templates"))
    try:
        yield made
    finally:
        made.drop()


@pytest.fixture
def deployment(backend: str, tmp_path: Path, templates: Templates) -> Iterator[Deployment]:
    """A database of its own, migrated, with a user of every role (a copy of the session's template).
    A test that needs an empty database uses support.scratch_database."""
    with templates.get(backend).copy(tmp_path) as url:
        yield Deployment(url=url, data_dir=tmp_path, extra={"CONSOLE_HEARTBEAT_SECONDS": "5"})


@pytest.fixture(scope="module")
def module_deployment(
    module_backend: str, tmp_path_factory: pytest.TempPathFactory, templates: Templates
) -> Iterator[Deployment]:
    """One deployment shared by a module's tests that only read, or whose writes are refused (validation
    tables): each of them still gets a live server and a real database, set up once."""
    tmp = tmp_path_factory.mktemp("module")
    with templates.get(module_backend).copy(tmp) as url:
        yield Deployment(url=url, data_dir=tmp, extra={"CONSOLE_HEARTBEAT_SECONDS": "5"})


@pytest.fixture
def server(deployment: Deployment) -> Iterator[LocalServer]:
    """The console served in the test's process (support.LocalServer)."""
    srv = LocalServer(deployment).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def process_server(deployment: Deployment) -> Iterator[Server]:
    """The console as a process of its own (`python -m console serve`), for what is per process."""
    srv = Server(deployment).start()
    try:
        yield srv
    finally:
        srv.stop()
