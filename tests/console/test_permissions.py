"""The permission table is enforced: every route and every command, for every role and for nobody."""

from __future__ import annotations

import re

import httpx
from support import PLAIN_HTTP, Served, command_id, login, register_args

from console.domains import registry
from console.incidents.permissions import Permission as IncidentPermission
from console.permissions import PUBLIC, SIGNED_IN, Permission
from console.reports.permissions import Permission as ReportPermission
from console.review.permissions import Permission as ReviewPermission
from console.roles import Role
from console.web.app import ROUTE_ACCESS as ROUTES
from console.web.app import create_app

COMMANDS = registry().commands
GRANTS = registry().grants

USERS = {Role.DUTY_OFFICER: "duty", Role.LEADER: "leader", Role.RESPONDER: "responder",
         Role.REVIEWER: "reviewer", Role.INSPECTOR: "inspector", Role.ADMIN: "admin"}  # fmt: skip


def _app_routes() -> set[tuple[str, str]]:
    from starlette.routing import Mount, Route

    found = set()
    for route in create_app().routes:
        if isinstance(route, Route):
            for method in route.methods or ():
                if method != "HEAD":
                    found.add((method, route.path))
        elif isinstance(route, Mount):
            assert route.path == "/static", f"unexpected mount {route.path}"
    return found


def test_every_route_is_in_the_table() -> None:
    missing = _app_routes() - set(ROUTES)
    assert not missing, f"routes with no entry in console.web.app.ROUTE_ACCESS: {sorted(missing)}"


def _url(path: str, incident_id: str) -> str:
    return re.sub(r"\{[a-z_]+\}", lambda m: incident_id if "incident" in m.group() else "zh_CN", path)


def _expected_ok(role: Role, need: str) -> bool:
    if need in (PUBLIC, SIGNED_IN):
        return True
    if need == IncidentPermission.CONFIDENTIAL_REVEAL:
        # by role for leaders; otherwise only the people involved (here: the officer who registered it)
        return role in (Role.LEADER, Role.DUTY_OFFICER)
    return role in GRANTS[need]


def test_routes_for_every_role_and_for_nobody(server: Served) -> None:
    duty_cookie, duty_csrf = login(server, "duty")
    r = httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": "incident.register", "args": register_args()},
        cookies={"ic_session": duty_cookie},
        headers={"x-csrf-token": duty_csrf},
    )
    incident_id = r.json()["result"]["incident_id"]
    sessions = {role: login(server, name) for role, name in USERS.items()}
    for (method, path), need in sorted(ROUTES.items()):
        url = server.base + _url(path, incident_id)
        if need == PUBLIC or path in ("/api/logout",):
            continue
        # nobody: never data, always 401 (API) or a redirect to the sign-in page (pages)
        anon = httpx.request(method, url, follow_redirects=False, timeout=30, verify=PLAIN_HTTP)
        assert anon.status_code in (401, 303), (method, path, anon.status_code)
        assert "机关大门" not in anon.text and incident_id not in anon.text
        for role, (cookie, csrf) in sessions.items():
            body = {"id": command_id(), "name": "no.such.command", "args": {}} if method == "POST" else None
            resp = httpx.request(
                method,
                url,
                cookies={"ic_session": cookie},
                headers={"x-csrf-token": csrf},
                json=body,
                timeout=120,  # a ceiling for a stuck route, not a measurement (some lay out a PDF)
                verify=PLAIN_HTTP,
            )
            if _expected_ok(role, need):
                assert resp.status_code not in (401, 403), (
                    role,
                    method,
                    path,
                    resp.status_code,
                    resp.text[:200],
                )
            else:
                assert resp.status_code == 403, (role, method, path, resp.status_code)
                if resp.headers["content-type"].startswith("application/json"):
                    assert resp.json()["error"]["code"] in ("forbidden", "confidential_forbidden")


def test_every_command_for_every_role(server: Served) -> None:
    sessions = {role: login(server, user) for role, user in USERS.items()}
    for name in sorted(n for n, spec in COMMANDS.items() if not spec.internal):
        need = COMMANDS[name].permission
        for role, (cookie, csrf) in sessions.items():
            resp = httpx.post(
                server.base + "/api/commands",
                json={"id": command_id(), "name": name, "args": {}},
                cookies={"ic_session": cookie},
                headers={"x-csrf-token": csrf},
                verify=PLAIN_HTTP,
            )
            if role in GRANTS[need]:
                # allowed: judged on its arguments (here: none, so refused as malformed)
                assert resp.status_code == 422, (role, name, resp.text[:200])
                assert resp.json()["error"]["code"] == "invalid_command"
            else:
                assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden", (role, name)
        anon = httpx.post(
            server.base + "/api/commands",
            json={"id": command_id(), "name": name, "args": {}},
            verify=PLAIN_HTTP,
        )
        assert anon.status_code == 401


def test_table_says_what_the_issue_asks() -> None:
    assert Role.RESPONDER not in GRANTS[IncidentPermission.INCIDENT_REGISTER]
    assert Role.RESPONDER not in GRANTS[IncidentPermission.INCIDENT_CLOSE]
    reads = (
        Permission.BOARD_VIEW,
        IncidentPermission.ACCESS_LOG_VIEW,
        Permission.AUDIT_STREAM,
        Permission.USERS_VIEW,
        ReviewPermission.REVIEW_VIEW,
        ReportPermission.REPORT_READ,  # logs a download under the reader's name, changes nothing else
        IncidentPermission.RECUSAL_VIEW,  # 回避: sees incidents about the commission head, changes nothing
    )
    writes = [p for p in GRANTS if p not in reads]
    for permission in writes:
        assert Role.INSPECTOR not in GRANTS[permission], permission
    assert Role.INSPECTOR in GRANTS[Permission.BOARD_VIEW]


def test_internal_commands_cannot_be_sent_by_clients(server: Served) -> None:
    cookie, csrf = login(server, "leader")
    resp = httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": "confidential.reveal", "args": {"incident_id": "x"}},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf},
    )
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "unknown_command"
