"""The API document is the truth (issue 9): generated from the routes and command models, and a server
tested against it with schemathesis finds no server error, no undocumented status, no schema violation."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import ROOT, LocalServer, command_id, login, register_args

from console.domains import registry
from console.web.app import ROUTE_ACCESS, create_app
from console.web.openapi import build_openapi

COMMANDS = registry().commands


def _document() -> dict[str, Any]:
    app = create_app()
    return build_openapi(app.state.registry, app.routes, ROUTE_ACCESS)


def _served(app: Any) -> set[tuple[str, str]]:
    from starlette.routing import Route

    return {(m, r.path) for r in app.routes if isinstance(r, Route) for m in (r.methods or ()) if m != "HEAD"}


def test_the_document_lists_every_route_the_server_serves_and_nothing_else() -> None:
    app = create_app()
    doc = build_openapi(app.state.registry, app.routes, ROUTE_ACCESS)
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert documented == _served(app)
    for path in ("/api/runs", "/api/incidents/{incident_id}/run", "/api/incidents/{incident_id}/confidential",
                 "/api/access-log", "/api/users", "/api/roster", "/api/places", "/api/responders",
                 "/api/responders/me", "/api/incidents/{incident_id}/responders", "/api/org/export",
                 "/api/tokens"):  # fmt: skip
        assert path in doc["paths"], path


def test_a_route_without_an_operation_or_an_operation_without_a_route_is_refused() -> None:
    from starlette.routing import Route

    app = create_app()
    extra = [*app.routes, Route("/api/new", lambda r: None)]
    with pytest.raises(KeyError, match="/api/new"):
        build_openapi(app.state.registry, extra, {**ROUTE_ACCESS, ("GET", "/api/new"): "public"})
    fewer = [r for r in app.routes if getattr(r, "path", "") != "/api/places"]
    with pytest.raises(KeyError, match="/api/places"):
        build_openapi(app.state.registry, fewer, ROUTE_ACCESS)


def test_commands_are_those_clients_may_send_with_the_ids_the_server_enforces() -> None:
    doc = _document()
    body = doc["paths"]["/api/commands"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    offered = {v["title"] for v in body["allOf"][1]["oneOf"]}
    assert offered == {n for n, spec in COMMANDS.items() if not spec.internal}
    assert not offered & {"run.fire", "rollcall.flag_overdue", "confidential.reveal"}
    schemas = doc["components"]["schemas"]
    for key in ("Args_run_complete_step", "Args_run_skip_step", "Args_run_decide"):
        assert schemas[key]["properties"]["step_id"]["pattern"] == "^[a-z][a-z0-9_]*$"
    assert schemas["Args_run_file_report"]["properties"]["obligation_id"]["pattern"] == "^[a-z][a-z0-9_]*$"
    statuses = set(doc["paths"]["/api/commands"]["post"]["responses"])
    assert {"200", "400", "401", "403", "404", "409", "413", "422"} <= statuses
    assert {"200", "401", "413", "415", "422", "429"} <= set(doc["paths"]["/api/login"]["post"]["responses"])
    assert {"401", "403", "404"} <= set(
        doc["paths"]["/api/incidents/{incident_id}/confidential"]["get"]["responses"]
    )
    assert doc["paths"]["/healthz"]["get"]["security"] == []


async def test_a_step_id_that_is_no_slug_is_refused_as_malformed(server: LocalServer) -> None:
    cookie, csrf = login(server, "duty")
    for name in ("run.complete_step", "run.skip_step"):
        args = {"incident_id": "x", "step_id": "Not a step!", "reason": "r"}
        if name == "run.complete_step":
            del args["reason"]
        r = httpx.post(
            server.base + "/api/commands",
            json={"id": command_id(), "name": name, "args": args},
            cookies={"ic_session": cookie},
            headers={"x-csrf-token": csrf},
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_command", r.text


def test_a_method_a_path_does_not_serve_gets_405_with_allow(server: LocalServer) -> None:
    doc = httpx.get(server.base + "/openapi.json").json()
    for path, ops in doc["paths"].items():
        url = server.base + re.sub(r"\{[a-z_]+\}", "x", path)
        served = {m.upper() for m in ops}
        method = "DELETE" if "DELETE" not in served else "PATCH"
        r = httpx.request(method, url)
        assert r.status_code == 405, (method, path, r.status_code)
        allowed = {m.strip() for m in r.headers["allow"].split(",")}
        assert served <= allowed, (path, allowed)
        if path.startswith("/api"):
            assert r.headers["content-type"].startswith("application/json"), path
            assert r.json()["error"]["code"] == "method_not_allowed"


def test_the_protocol_document_agrees_with_the_generated_one() -> None:
    text = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    doc = _document()
    named = set(re.findall(r"`(GET|POST) (/[^`?\s]*)", text))
    listed = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert named <= listed, f"protocol.md names routes the server does not serve: {sorted(named - listed)}"
    api = {
        (m, p) for m, p in listed if p.startswith("/api") or p in ("/openapi.json", "/healthz", "/metrics")
    }
    assert api <= named, f"routes protocol.md does not describe: {sorted(api - named)}"
    commands = {n for n, spec in COMMANDS.items() if not spec.internal}
    mentioned = set(re.findall(r"`([a-z]+\.[a-z_]+)`", text))
    assert commands <= mentioned, f"commands protocol.md does not describe: {sorted(commands - mentioned)}"
    assert "/openapi.json" in text


# --- schemathesis against the generated document ---

# Enough to find what the issue found, small enough for the suite: every operation gets a few dozen
# cases, the command endpoint (twenty commands behind one operation) more.
EXAMPLES = 15
COMMAND_EXAMPLES = 120
# The operations are shared out among SHARDS tests, each with a server of its own, so xdist's workers
# run them side by side; every operation is still tested once, with the same cases.
SHARDS = 3


def _shard_of_each(costs: list[int]) -> list[int]:
    """Which shard tests each operation: the next one goes to the shard with the fewest cases so far."""
    load = [0] * SHARDS
    shards = []
    for cost in costs:
        target = load.index(min(load))
        load[target] += cost
        shards.append(target)
    return shards


def _token(server: LocalServer) -> str:
    import asyncio

    from console.auth import create_token, find_user
    from console.clock import SystemClock
    from console.db import open_database

    async def issue() -> str:
        db = open_database(server.deployment.settings)
        try:
            async with db.write.begin() as conn:
                user = await find_user(conn, "duty")
                assert user is not None
                return await create_token(conn, user, "schemathesis", SystemClock().now())
        finally:
            await db.dispose()

    return asyncio.run(issue())


@pytest.mark.parametrize("shard", range(SHARDS))
def test_schemathesis_finds_no_server_error_undocumented_status_or_schema_violation(
    shard: int, server: LocalServer
) -> None:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.core.result import Ok
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    token = _token(server)
    cookie, csrf = login(server, "duty")
    r = httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": "incident.register", "args": register_args()},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf},
    )
    assert r.status_code == 200
    schema = schemathesis.openapi.from_url(server.base + "/openapi.json")
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        response_headers_conformance,
    ]
    headers = {"authorization": f"Bearer {token}"}
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # an operation the document cannot describe is a failure
        operations.append(result.ok())
    costs = [COMMAND_EXAMPLES if op.path == "/api/commands" else EXAMPLES for op in operations]
    mine = [op for op, owner in zip(operations, _shard_of_each(costs), strict=True) if owner == shard]
    assert mine, "a shard with no operation to test"
    cases = 0
    started = time.monotonic()
    for operation in mine:
        many = operation.path == "/api/commands"

        # Data that fits the document and data that does not: both must get a documented answer.
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )

        @given(case=strategy)
        @settings(
            max_examples=COMMAND_EXAMPLES if many else EXAMPLES,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: report, don't minimise
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            nonlocal cases
            cases += 1
            # A failure names the check, the status, the body and a curl line that reproduces it.
            case.call_and_validate(base_url=server.base, headers=headers, checks=checks, timeout=30)

        run()
    took = time.monotonic() - started
    print(f"schemathesis, shard {shard}: {len(mine)} operations, {cases} cases in {took:.1f} s")
    log = Path(server.log).read_text()
    assert "Traceback" not in log and "unhandled_error" not in log, log[-3000:]
