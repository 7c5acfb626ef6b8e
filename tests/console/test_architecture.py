"""The rules of direction (DESIGN §2): the spine imports no domain, and the runtime is handed the domains."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from console.commands import CommandSpec
from console.domains import DOMAINS, registry
from console.events import EventPayload, event_type
from console.incidents.domain import DOMAIN as INCIDENTS
from console.registry import Domain, Registry, RegistryError
from console.responders.domain import DOMAIN as RESPONDERS
from console.runs.domain import DOMAIN as RUNS

ROOT = Path(__file__).resolve().parents[2]
CORE = ("settings", "commands", "service", "eventlog", "hub", "db", "permissions", "i18n", "tables",
        "events", "registry", "runtime", "timer_loop", "follower", "errors", "clock", "auth",
        "maintenance")  # fmt: skip
DOMAIN_MODULES = (
    "playbooks",
    "responders",
    "alerts",
    "review",
    "console.incidents",
    "console.runs",
    "console.responders",
    "console.reports",
    "reports",
    "console.alerts",
    "console.review",
)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative to console/
                base = "console." + base if base else "console"
                found |= {f"{base}.{a.name}" for a in node.names}
            found.add(base)
    return found


@pytest.mark.parametrize("module", CORE)
def test_the_core_imports_no_domain(module: str) -> None:
    imported = _imports(ROOT / "console" / f"{module}.py")
    bad = sorted(i for i in imported if any(i == d or i.startswith(d + ".") for d in DOMAIN_MODULES))
    assert not bad, f"console.{module} imports domain code: {bad}"


def test_incidents_do_not_import_runs() -> None:
    for path in (ROOT / "console" / "incidents").glob("*.py"):
        assert not {i for i in _imports(path) if i.startswith("console.runs")}, path.name


def test_every_domain_package_has_the_same_files_for_the_same_jobs() -> None:
    common = {"__init__.py", "commands.py", "events.py", "decide.py", "store.py", "queries.py", "tables.py",
              "permissions.py", "domain.py"}  # fmt: skip
    for name in ("incidents", "runs", "responders", "reports", "review"):
        files = {p.name for p in (ROOT / "console" / name).glob("*.py")}
        assert common <= files, (name, sorted(common - files))


def test_the_console_lists_its_domains() -> None:
    assert [d.name for d in DOMAINS] == ["incidents", "runs", "responders", "reports", "alerts", "review"]
    assert "incident.register" in registry().commands and "run.fire" in registry().commands


def test_a_domain_left_out_is_refused_when_another_follows_its_events() -> None:
    # The runs domain projects the incidents' events: without the incidents it cannot be built.
    with pytest.raises(RegistryError, match="projects IncidentRegistered"):
        Registry([RUNS, RESPONDERS])


def test_a_command_twice_or_a_permission_granted_nowhere_is_refused() -> None:
    with pytest.raises(RegistryError, match="listed twice"):
        Registry([INCIDENTS, INCIDENTS])
    spec = INCIDENTS.commands[0]
    twin = Domain(name="twin", commands=(spec,))
    with pytest.raises(RegistryError, match=f"command {spec.name} of domain twin is declared twice"):
        Registry([INCIDENTS, twin])
    orphan = Domain(name="orphan", commands=(CommandSpec("x.y", spec.args, "x.do", spec.load, spec.decide),))
    with pytest.raises(RegistryError, match=r"needs permission x\.do, granted nowhere"):
        Registry([orphan])


def test_projectors_are_keyed_by_a_declared_payload_class() -> None:
    @event_type("stray.happened")
    class Stray(EventPayload):
        n: int

    stray = Domain(name="stray", projectors={Stray: (lambda _conn, _event: None,)})
    with pytest.raises(RegistryError, match="projects Stray, which no listed domain declares"):
        Registry([stray])


def test_event_types_in_a_log_that_no_listed_domain_declares_are_named() -> None:
    smaller = Registry([INCIDENTS])
    assert smaller.unknown_types(["incident.registered", "responder.moved", "run.step_completed"]) == [
        "responder.moved",
        "run.step_completed",
    ]
    assert registry().unknown_types(["incident.registered", "responder.moved"]) == []
