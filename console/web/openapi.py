"""The OpenAPI document at /openapi.json, generated from what the server serves so it cannot drift.

Paths and methods come from the application's routes, who may call them from `ROUTE_ACCESS` (which
gives 401 and 403), the commands and their arguments from the registry's pydantic models (the same
models the server validates with; internal commands, which clients cannot send, are left out). What a
route does not say about itself — its query parameters, the statuses its handler sends, its media
type — is written once here, in `OPERATIONS`, and `build_openapi` refuses a route that has no entry
and an entry that names no route (tests/console/test_openapi.py, which also runs schemathesis
against the document).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter
from starlette.routing import BaseRoute, Route

from ..commands import CommandEnvelope
from ..permissions import PUBLIC, SIGNED_IN
from ..registry import Registry

JSON = "application/json"
HTML = "text/html"
CSV = "text/csv"

# What the server enforces on the ids in paths: nothing longer names anything (404 otherwise).
PATH_ID: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 64}


@dataclass(frozen=True)
class Operation:
    """What one route's handler does that the route table cannot say."""

    summary: str
    media: tuple[str, ...] = (JSON,)  # of the success response
    ok: int = 200
    query: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    required_query: tuple[str, ...] = ()
    body: str | None = None  # "login", "command", "form" or "empty"
    statuses: tuple[int, ...] = ()  # further statuses the handler sends
    path_schemas: Mapping[str, dict[str, Any]] = field(default_factory=dict)


def _page(summary: str, *statuses: int) -> Operation:
    # A signed-out browser is sent to the sign-in page (303).
    return Operation(summary, media=(HTML,), statuses=(303, *statuses))


_TIME = {"type": "string", "format": "date-time"}
_ROLES = ("duty_officer", "leader", "responder", "reviewer", "inspector", "admin")

# ?before=position&limit=n of the paging routes (console.incidents.queries.page_limit clamps the limit).
_PAGING: dict[str, Any] = {
    "before": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
    "limit": {"type": "integer", "minimum": 0},  # clamped to 1…1000, never refused
}

OPERATIONS: dict[tuple[str, str], Operation] = {
    # pages (HTML)
    ("GET", "/"): _page("事件看板 The board"),
    ("GET", "/incidents/{incident_id}"): _page("事件室 One incident's room", 404),
    ("GET", "/access-log"): _page("借阅登记 The access register"),
    ("GET", "/login"): Operation("The sign-in page", media=(HTML,)),
    ("POST", "/login"): Operation(
        "Sign in from the page's form (needs the form's CSRF cookie)",
        media=(HTML,),
        ok=303,
        body="form",
        statuses=(400, 401, 413, 429),
    ),
    ("POST", "/logout"): Operation(
        "Sign out from a page's form; a wrong CSRF token changes nothing",
        media=(),
        ok=303,
        body="form",
        statuses=(400, 403, 413),
    ),
    ("GET", "/locale/{locale}"): Operation(
        "Choose the language (zh_CN or en) and go back", media=(), ok=303, path_schemas={"locale": PATH_ID}
    ),
    ("GET", "/sw.js"): Operation("The offline service worker", media=("text/javascript",)),
    ("GET", "/reports/{report_id}"): _page("报告 One report beside its PDF preview", 404),
    ("GET", "/incidents/{incident_id}/reports"): _page(
        "报告 An incident's reports and drafting a new one", 404
    ),
    ("GET", "/statistics"): _page("统计报告 The periodic statistics reports and drafting one"),
    ("GET", "/incidents/{incident_id}/alerts"): _page("送达记录 An incident's delivery log", 404),
    ("GET", "/incidents/{incident_id}/review"): _page("复盘 The after-incident review", 404),
    ("GET", "/review/summary"): _page("履职情况汇总 The compliance summary of a period", 422),
    ("GET", "/incidents/{incident_id}/activity"): _page(
        "工作记录 Every person's activity at an incident", 404
    ),
    ("GET", "/review/people/{person_id}/activity"): _page(
        "工作记录 One person's activity over a period", 404, 422
    ),
    ("GET", "/review/targets"): _page(
        "目标管理 The §25 figures per unit against the year's targets", 404, 422
    ),
    ("GET", "/review/targets/incidents"): _page("目标管理 The incidents behind one figure", 404, 422),
    ("GET", "/responder"): _page("我的任务 A responder's assignments"),
    ("GET", "/roster"): _page("值班表 The duty roster"),
    ("GET", "/incidents/{incident_id}/movements"): _page("人员动态 Movement board and log", 404),
    ("GET", "/people/{person_id}/activity"): Operation(
        "活动记录 One person's activity log",
        media=(HTML,),
        statuses=(303, 404, 422),
        query={"start": _TIME, "end": _TIME},
    ),
    ("GET", "/admin/tokens"): _page("接口令牌 API tokens (administrators)"),
    # the API
    ("POST", "/api/login"): Operation(
        "Sign in; sets the session cookie and returns the CSRF token",
        body="login",
        statuses=(401, 415, 429),
    ),
    ("POST", "/api/logout"): Operation("End the session and close its live connections", statuses=(403,)),
    ("GET", "/api/me"): Operation("The signed-in user, their permissions and CSRF token"),
    ("POST", "/api/commands"): Operation(
        "Run a command; repeating its id returns the first result and appends nothing",
        body="command",
        statuses=(400, 403, 404, 409),
    ),
    ("GET", "/api/incidents"): Operation(
        "Incidents, newest first", query={"status": {"type": "string", "enum": ["open", "closed"]}}
    ),
    ("GET", "/api/incidents/{incident_id}"): Operation(
        "One incident with its timeline notes", statuses=(404,)
    ),
    ("GET", "/api/events"): Operation(
        "Events after a position, as the WebSocket would send them",
        query={
            "after": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
            "limit": {"type": "integer", "minimum": 1, "maximum": 1000},
        },
        statuses=(422,),
    ),
    ("GET", "/api/state"): Operation("The snapshot and the position it was read at"),
    ("GET", "/api/incidents/{incident_id}/confidential"): Operation(
        "查看 The confidential parts, for the people involved; the reveal is logged first", statuses=(404,)
    ),
    ("GET", "/api/access-log"): Operation("借阅登记 Every reveal of confidential parts, newest first"),
    ("GET", "/api/users"): Operation("People to assign to a matter (names and roles)"),
    ("GET", "/api/runs"): Operation("Every playbook run's level and open due instants"),
    ("GET", "/api/incidents/{incident_id}/notes"): Operation(
        "Older notes of an incident, page by page (the latest `limit` before `before`, oldest first)",
        query=_PAGING,
        statuses=(404, 422),
    ),
    ("GET", "/api/incidents/{incident_id}/history"): Operation(
        "Older entries of an incident's timeline, page by page, as the caller may see them",
        query=_PAGING,
        statuses=(404, 422),
    ),
    ("GET", "/api/incidents/{incident_id}/reports"): Operation(
        "报告 An incident's reports, each with its stage, version and status", statuses=(404,)
    ),
    ("GET", "/api/reports/{report_id}"): Operation(
        "One report: its fields, versions and status", statuses=(404,)
    ),
    ("GET", "/api/reports/{report_id}/document.{kind}"): Operation(
        "The report as PDF or DOCX (the frozen version once approved; downloads are logged)",
        media=("application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        query={"version": {"type": "integer", "minimum": 1, "maximum": 9999}},
        statuses=(404, 409),
        path_schemas={"kind": {"type": "string", "enum": ["pdf", "docx"]}},
    ),
    ("GET", "/api/reports/{report_id}/preview/{page}.png"): Operation(
        "One page of the report's PDF as a PNG (the preview beside the draft)",
        media=("image/png",),
        statuses=(404, 409),
        path_schemas={"page": {"type": "integer", "minimum": 1, "maximum": 999}},
    ),
    ("GET", "/api/reports/{report_id}/deliveries"): Operation(
        "报送记录 Each delivery attempt of a report to its offices, and receipts confirmed by phone",
        statuses=(404,),
    ),
    ("GET", "/api/statistics"): Operation(
        "统计报告 Every monthly or quarterly statistics report, newest first, with its period, status, "
        "the day to send it by and whether it is late"
    ),
    ("GET", "/r/{token}"): Operation(
        "报告下载 The sent report's PDF through the signed, expiring link of a content-free notice",
        media=("application/pdf",),
        statuses=(404, 410, 422),
        path_schemas={"token": {"type": "string", "minLength": 1}},
    ),
    # alerts (console/web/alerts.py)
    ("GET", "/a/{token}"): Operation(
        "确认收到 The acknowledge page a message links to (opening it acknowledges nothing)",
        media=(HTML,),
        statuses=(400, 410),
        path_schemas={"token": {"type": "string", "minLength": 1}},
    ),
    ("POST", "/a/{token}"): Operation(
        "确认收到 Acknowledge one page through its signed, single-use, expiring link",
        media=(HTML,),
        body="empty",
        statuses=(400, 404, 409, 410, 429),
        path_schemas={"token": {"type": "string", "minLength": 1}},
    ),
    ("GET", "/api/incidents/{incident_id}/alerts"): Operation(
        "送达记录 Every message, channel, attempt and acknowledgement of an incident, with its figures",
        statuses=(404,),
    ),
    ("GET", "/api/incidents/{incident_id}/alerts.csv"): Operation(
        "送达记录 The incident's delivery log as CSV", media=(CSV,), statuses=(404,)
    ),
    ("GET", "/api/people/{person_id}/alerts.csv"): Operation(
        "送达记录 One person's delivery log as CSV", media=(CSV,), statuses=(404,)
    ),
    ("GET", "/api/people/{person_id}/channels"): Operation(
        "A person's channels: in full to an admin, as kinds and fingerprints to everyone else",
        statuses=(404,),
    ),
    ("POST", "/api/people/{person_id}/channels/{seq}/test"): Operation(
        "发送测试消息 A content-free test message through one channel, and apprise's verdict",
        body="empty",
        statuses=(404,),
        path_schemas={"seq": {"type": "integer", "minimum": 0}},
    ),
    ("GET", "/api/alerts/mine"): Operation("The signed-in person's unacknowledged pages"),
    # the after-incident review (console/web/review.py)
    ("GET", "/api/incidents/{incident_id}/review"): Operation(
        "复盘 The compliance table, findings and follow-up actions, and the chain status of the range",
        statuses=(404,),
    ),
    ("GET", "/api/incidents/{incident_id}/compliance.csv"): Operation(
        "履职情况 The compliance table as CSV", media=(CSV,), statuses=(404,)
    ),
    ("GET", "/api/incidents/{incident_id}/compliance.pdf"): Operation(
        "履职情况报告 The compliance table, the chain status and the findings as a printable PDF",
        media=("application/pdf",),
        statuses=(404, 409),
    ),
    ("GET", "/api/review/summary"): Operation(
        "履职情况汇总 The compliance of a period's real incidents per unit, per person and per month",
        query={"from": _TIME, "to": _TIME},
        statuses=(422,),
    ),
    ("GET", "/api/review/summary.csv"): Operation(
        "履职情况汇总 The summary as CSV", media=(CSV,), query={"from": _TIME, "to": _TIME}, statuses=(422,)
    ),
    ("GET", "/api/review/figures"): Operation(
        "目标管理 The §25 figures of a period (2026, 2026-Q4, 2026-11) per unit, against the year's targets",
        query={"period": {"type": "string"}},
        statuses=(422,),
    ),
    ("GET", "/api/review/figures/incidents"): Operation(
        "目标管理 The incidents behind one figure of one unit and period",
        query={
            "period": {"type": "string"},
            "unit": {"type": "string"},
            "figure": {"type": "string"},
            "group": {"type": "string"},
        },
        statuses=(404, 422),
    ),
    ("GET", "/api/incidents/{incident_id}/replay"): Operation(
        "回放 The incident at an instant, by what was known then or what happened then",
        query={"at": _TIME, "mode": {"type": "string", "enum": ["known", "happened"]}},
        statuses=(404,),
    ),
    ("GET", "/api/incidents/{incident_id}/bundle.zip"): Operation(
        "督查导出包 The verifiable export bundle (confidential values left out)",
        media=("application/zip",),
        statuses=(404,),
    ),
    ("GET", "/api/incidents/{incident_id}/timeline.svg"): Operation(
        "时间轴 A lane per person and per step, drawn on the server",
        media=("image/svg+xml",),
        statuses=(404,),
    ),
    ("GET", "/api/incidents/{incident_id}/activity"): Operation(
        "工作记录 Every person's activity (ICS-214), each entry with its log positions and a replay link",
        statuses=(404,),
    ),
    ("GET", "/api/review/people/{person_id}/activity"): Operation(
        "工作记录 One person's activity at the real incidents of a period, each entry naming its incident",
        query={"from": _TIME, "to": _TIME},
        statuses=(404, 422),
    ),
    ("GET", "/api/review/people/{person_id}/activity.csv"): Operation(
        "工作记录 One person's activity over a period as CSV",
        media=(CSV,),
        query={"from": _TIME, "to": _TIME},
        statuses=(404, 422),
    ),
    ("GET", "/api/incidents/{incident_id}/activity.csv"): Operation(
        "工作记录 The activity log as CSV", media=(CSV,), statuses=(404,)
    ),
    ("GET", "/api/incidents/{incident_id}/activity.pdf"): Operation(
        "工作记录 The activity log person by person as a printable PDF",
        media=("application/pdf",),
        statuses=(404, 409),
    ),
    ("GET", "/api/incidents/{incident_id}/run"): Operation("One incident's playbook run", statuses=(404,)),
    ("GET", "/api/roster"): Operation("值班表 Who is on duty now, swaps and overrides"),
    ("GET", "/api/places"): Operation("Named places"),
    ("GET", "/api/responders"): Operation("People with their status"),
    ("GET", "/api/responders/me"): Operation("我的任务 The signed-in responder's open assignments"),
    ("GET", "/api/incidents/{incident_id}/responders"): Operation(
        "One incident's movement board, dispatches, log, figures and roll call", statuses=(404,)
    ),
    ("GET", "/api/incidents/{incident_id}/recommend"): Operation(
        "派遣建议 Whom to send, with reasons",
        query={
            "place_id": {"type": "string", "maxLength": 64},
            "role": {"type": "string", "enum": list(_ROLES)},
            "skill": {"type": "string"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 50},
        },
        statuses=(404, 422),
    ),
    ("GET", "/api/incidents/{incident_id}/movements.csv"): Operation(
        "The movement log as CSV", media=(CSV,), statuses=(404,)
    ),
    ("GET", "/api/incidents/{incident_id}/figures.csv"): Operation(
        "The response figures as CSV", media=(CSV,), statuses=(404,)
    ),
    ("GET", "/api/people/{person_id}/activity"): Operation(
        "活动记录 (ICS-214) of one person for a period; format=csv for CSV",
        media=(JSON, CSV),
        query={"start": _TIME, "end": _TIME, "format": {"type": "string", "enum": ["json", "csv"]}},
        statuses=(404, 422),
    ),
    ("GET", "/api/org/export"): Operation(
        "导出 Units, people, places or shifts as CSV or YAML; escalation policies as YAML",
        media=(CSV, "application/yaml"),
        query={
            "table": {"type": "string", "enum": ["units", "people", "places", "shifts", "policies"]},
            "format": {"type": "string", "enum": ["csv", "yaml"]},
        },
        required_query=("table",),
        statuses=(422,),
    ),
    ("GET", "/api/tokens"): Operation("API tokens: name, owner, created, last used (never a secret)"),
    ("POST", "/api/tokens/{token_id}/revoke"): Operation(
        "Revoke a token; its live connections close at once with 4401 in every process",
        statuses=(403, 404),
        path_schemas={"token_id": {"type": "string", "pattern": "^[0-9a-f]{32}$"}},
    ),
    ("GET", "/openapi.json"): Operation("This document"),
    ("GET", "/healthz"): Operation("Database reachable, listener alive", statuses=(503,)),
    ("GET", "/metrics"): Operation("Prometheus metrics", media=("text/plain",)),
}

ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["ok", "error"],
    "properties": {
        "ok": {"const": False},
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        },
    },
}
OK: dict[str, Any] = {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}}

_REASONS = {
    200: "OK",
    303: "See other (a redirect)",
    400: "Malformed request, or a command id another user already used",
    401: "Not signed in, or the session or token is no longer valid",
    403: "Not allowed (permission, or a missing or wrong CSRF token)",
    404: "Not found",
    409: "Refused by the domain (closed incident, illegal transition…), or a link already used",
    410: "The link has expired",
    413: "Body too large (refused before it is read in full)",
    415: "Body not declared as application/json",
    422: "Malformed (not JSON, nested too deeply, arguments that do not validate, a NUL in the query)",
    429: "Too many tries (failed logins, acknowledge links); try again later",
    503: "The database could not be reached just now (server_busy; retry after Retry-After), or unhealthy",
}


def _routes(routes: Iterable[BaseRoute]) -> list[tuple[str, str]]:
    found = []
    for route in routes:
        if isinstance(route, Route):
            found += [(m, route.path) for m in sorted(route.methods or ()) if m != "HEAD"]
    return found


def _error(media: tuple[str, ...], path: str) -> dict[str, Any]:
    if path.startswith("/api") or path in ("/openapi.json", "/healthz", "/metrics"):
        return {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}
    # Pages answer in HTML; a NUL in the path or query is refused as JSON before routing.
    return {HTML: {}, JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}


def _success(op: Operation) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for media in op.media:
        content[media] = {"schema": OK} if media == JSON else {}
    response: dict[str, Any] = {"description": _REASONS.get(op.ok, "OK")}
    if content:
        response["content"] = content
    return response


def _command_body(registry: Registry, components: dict[str, Any]) -> dict[str, Any]:
    envelope = TypeAdapter(CommandEnvelope).json_schema(ref_template="#/components/schemas/{model}")
    components.update(envelope.pop("$defs", {}))
    components["CommandEnvelope"] = envelope
    variants = []
    for name, spec in sorted(registry.commands.items()):
        if spec.internal:
            continue  # issued by the console itself; a client sending one gets unknown_command
        schema = TypeAdapter(spec.args).json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        key = "Args_" + name.replace(".", "_")
        schema["description"] = spec.summary
        components[key] = schema
        variants.append(
            {
                "type": "object",
                "title": name,
                "description": f"{spec.summary} (permission {spec.permission})",
                "required": ["name", "args"],
                "properties": {"name": {"const": name}, "args": {"$ref": f"#/components/schemas/{key}"}},
            }
        )
    return {"allOf": [{"$ref": "#/components/schemas/CommandEnvelope"}, {"oneOf": variants}]}


def _body(kind: str, command: dict[str, Any]) -> dict[str, Any]:
    if kind == "command":
        return {"required": True, "content": {JSON: {"schema": command}}}
    if kind == "login":
        schema = {
            "type": "object",
            "required": ["username", "password"],
            "properties": {
                "username": {"type": "string", "maxLength": 100},
                "password": {"type": "string", "maxLength": 200},
            },
        }
        return {"required": True, "content": {JSON: {"schema": schema}}}
    fields = ("username", "password", "csrf") if kind == "form" else ()
    schema = {"type": "object", "properties": {f: {"type": "string", "maxLength": 200} for f in fields}}
    return {"content": {"application/x-www-form-urlencoded": {"schema": schema}}}


def _path_params(path: str, op: Operation) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
    return [
        {"name": n, "in": "path", "required": True, "schema": op.path_schemas.get(n, PATH_ID)} for n in names
    ]


def build_openapi(
    registry: Registry, routes: Iterable[BaseRoute], access: Mapping[tuple[str, str], str]
) -> dict[str, Any]:
    """The document for these routes (their access from `access`) and the commands of these domains."""
    served = _routes(routes)
    undocumented = sorted(set(served) - set(OPERATIONS))
    stale = sorted(set(OPERATIONS) - set(served))
    if undocumented or stale:
        raise KeyError(f"routes without an operation: {undocumented}; operations without a route: {stale}")
    components: dict[str, Any] = {"Error": ERROR}
    command = _command_body(registry, components)
    paths: dict[str, dict[str, Any]] = {}
    for method, path in served:
        op = OPERATIONS[(method, path)]
        need = access[(method, path)]
        statuses = set(op.statuses)
        if need != PUBLIC:
            statuses.add(401)
        if need not in (PUBLIC, SIGNED_IN):
            statuses.add(403)
        if method == "POST" and need != PUBLIC:
            statuses.add(403)  # cookie sessions must present their CSRF token
        if op.body in ("login", "command"):
            statuses |= {413, 422}
        if "{" in path:
            statuses.add(404)
        statuses.add(422)  # a query holding a NUL is refused before routing, whatever the route
        statuses.add(503)  # the database could not be reached (server_busy), whatever the route
        if not path.startswith("/api") and need != PUBLIC:
            statuses.discard(401)  # pages send the signed-out to the sign-in page instead (303)
            statuses.add(303)
        responses: dict[str, Any] = {str(op.ok): _success(op)}
        for status in sorted(statuses - {op.ok}):
            response: dict[str, Any] = {"description": _REASONS[status]}
            if status != 303:
                response["content"] = _error(op.media, path)
            responses[str(status)] = response
        parameters = _path_params(path, op) + [
            {"name": name, "in": "query", "required": name in op.required_query, "schema": schema}
            for name, schema in op.query.items()
        ]
        operation: dict[str, Any] = {"summary": op.summary, "responses": responses}
        operation["x-permission"] = need
        if need == PUBLIC:
            operation["security"] = []
        if method == "POST" and need != PUBLIC:
            parameters.append(
                {
                    "name": "X-CSRF-Token",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "Required with a session cookie; not with a bearer token.",
                }
            )
        if parameters:
            operation["parameters"] = parameters
        if op.body:
            operation["requestBody"] = _body(op.body, command)
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "信访应急指挥台 Incident Console API",
            "version": "1",
            "description": (
                "Every route the console serves, generated from its route table and command models. "
                "The live stream is the WebSocket /ws (docs/protocol.md). A method a path does not "
                "serve gets 405 with an Allow header (JSON under /api)."
            ),
        },
        "components": {
            "schemas": components,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "ic_session"},
                "token": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": [{"session": []}, {"token": []}],
        "paths": paths,
    }
