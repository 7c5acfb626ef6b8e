"""HTTP API under /api: login, commands, queries. Thin: parse, call the service or a query, reply."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import eventlog
from ..auth import (
    DEVICE_COOKIE,
    DEVICE_DAYS,
    active_users,
    attempt_succeeded,
    attempt_wait,
    begin_attempt,
    check_password,
    close_session,
    forget_attempt,
    known_device,
    open_session,
    remember_device,
    throttle_keys,
)
from ..commands import CommandEnvelope
from ..errors import (
    ConsoleError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    UnsupportedMediaType,
    parse_json,
)
from ..hub import about, admitted
from ..incidents import queries as incident_queries
from ..incidents.permissions import Permission as IncidentPermission
from ..incidents.store import confidential_values
from ..permissions import SIGNED_IN, Permission
from ..service import parse_envelope
from . import scope
from .edge import (
    CSRF_HEADER,
    SESSION_COOKIE,
    cookie_secure,
    csrf_ok,
    locale_of,
    messages_of,
    require,
    require_caller,
    runtime,
)
from .ws import read_snapshot

MAX_POSITION = 2**63 - 1


MAX_BODY = 256 * 1024


async def _json_body(request: Request, *, declared_json: bool = False) -> Any:
    """The request's JSON body, refused before it is read in full when it is too large (413).

    With `declared_json`, a body not declared as application/json is refused (415): a cross-site form
    can send text/plain, never application/json, so a login cannot be forged from another site's page.
    """
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if declared_json and media_type != "application/json":
        raise UnsupportedMediaType()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise TooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLarge()
        chunks.append(chunk)
    return parse_json(b"".join(chunks) or b"null")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


async def login(request: Request) -> Response:
    """Sign in with user name and password; sets the session cookie and returns the CSRF token."""
    rt = runtime(request)
    body = await _json_body(request, declared_json=True)
    if not isinstance(body, dict):
        raise InvalidInput("invalid_frame", detail="object expected")
    username, password = str(body.get("username", ""))[:100], str(body.get("password", ""))[:200]
    session = await authenticate(request, username, password)
    response = JSONResponse(
        {
            "ok": True,
            "csrf": session.csrf,
            "user": _user_dict(session.user),
            "expires_at": session.expires_at.isoformat(),
        }
    )
    set_session_cookie(request, response, session.token, rt.settings.session_hours)
    return response


async def authenticate(request: Request, username: str, password: str) -> Any:
    """Check a password with throttling; returns an open session or raises a translated error.

    The throttle's failures are rows in the database, so every process counts the same ones
    (console.auth, ThrottleRules). A browser that signed this user in before brings its device cookie
    and is counted on its own: nobody else's failures can keep its owner out.
    """
    rt = runtime(request)
    if "\x00" in username or "\x00" in password:
        raise ConsoleError("login_failed")
    now = rt.clock.now()
    async with rt.db.write.begin() as db:
        device = await known_device(db, request.cookies.get(DEVICE_COOKIE), username, now)
        keys = throttle_keys(username, client_address(request), device)
        attempt = await begin_attempt(db, keys, now.timestamp())
    async with rt.db.write.begin() as db:
        wait = await attempt_wait(db, keys, attempt, now.timestamp())
        if wait:
            await forget_attempt(db, attempt)
    if wait:
        err = ConsoleError("login_throttled", seconds=wait)
        err.status = 429
        raise err
    async with rt.db.write.begin() as db:
        user = await check_password(db, username, password, rt.passwords)
        if user is None:
            err = ConsoleError("login_failed")
            err.status = 401
            raise err
        await attempt_succeeded(db, attempt, keys)
        request.state.device_cookie = await remember_device(db, user, device, now)
        return await open_session(db, user, now, rt.settings.session_hours)


def set_session_cookie(request: Request, response: Response, token: str, hours: float) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(hours * 3600),
        httponly=True,
        secure=cookie_secure(request),
        samesite="strict",
        path="/",
    )
    device = getattr(request.state, "device_cookie", None)
    if device:  # this browser is now a device its user signed in with (the login throttle)
        response.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=DEVICE_DAYS * 86400,
            httponly=True,
            secure=cookie_secure(request),
            samesite="strict",
            path="/",
        )


async def logout(request: Request) -> Response:
    """End the session and close the user's live connections."""
    caller = await require_caller(request)
    if not csrf_ok(caller, request.headers.get(CSRF_HEADER)):
        raise Forbidden("csrf_failed")
    await end_session(request)
    response = JSONResponse({"ok": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def end_session(request: Request) -> None:
    rt = runtime(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        async with rt.db.write.begin() as db:
            user_id = await close_session(db, token)
        if user_id:
            await rt.end_sessions(user_id)


def _user_dict(user: Any) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "name": user.display_name, "roles": sorted(user.roles)}


async def me(request: Request) -> Response:
    caller = await require_caller(request)
    csrf = caller.session.csrf if caller.session else None
    permissions = sorted(runtime(request).registry.permissions_of(caller.user.roles))
    return JSONResponse(
        {"ok": True, "user": _user_dict(caller.user), "csrf": csrf, "permissions": permissions}
    )


async def command(request: Request) -> Response:
    """Run one command (same envelope as over WebSocket); a repeated id returns the first result."""
    caller = await require_caller(request)
    if not csrf_ok(caller, request.headers.get(CSRF_HEADER)):
        raise Forbidden("csrf_failed")
    envelope = parse_envelope(await _json_body(request))
    result = await runtime(request).service.submit(envelope, caller.user.actor)
    body = result.to_dict(locale_of(request), messages_of(request))
    status = 200 if result.ok else (result.error.status if result.error else 400)
    return JSONResponse(body, status_code=status)


async def list_incidents(request: Request) -> Response:
    caller = await require(request, Permission.BOARD_VIEW)
    status = request.query_params.get("status")
    roles = frozenset(caller.user.roles)
    async with runtime(request).db.read.connect() as db:
        rows = await db.run_sync(incident_queries.incidents_list, status, roles)
    hidden = await scope.outside(request, caller)  # 督查范围: other units' incidents are left out
    if hidden:
        rows = [r for r in rows if r["id"] not in hidden]
    return JSONResponse({"ok": True, "incidents": rows})


async def get_incident(request: Request) -> Response:
    await require(request, Permission.BOARD_VIEW)
    incident_id = request.path_params["incident_id"]
    async with runtime(request).db.read.connect() as db:
        found = await db.run_sync(incident_queries.incident_with_notes, incident_id)
    if found is None:
        raise NotFound("incident_not_found")
    incident, notes, more = found
    # The latest notes; older ones through GET /api/incidents/{id}/notes?before=.
    return JSONResponse({"ok": True, "incident": incident, "notes": notes, "notes_more": more})


async def list_events(request: Request) -> Response:
    """Events after a position that the caller may see (for integrations that poll instead of listen)."""
    caller = await require(request, Permission.BOARD_VIEW)
    try:
        # Positions are 64-bit in both databases; a larger number is simply past the end of the log.
        after = min(MAX_POSITION, max(0, int(request.query_params.get("after", "0"))))
        limit = min(1000, max(1, int(request.query_params.get("limit", "500"))))
    except ValueError:
        raise InvalidInput("invalid_frame", detail="after/limit") from None
    rt = runtime(request)
    view = rt.registry.view_of(caller.user.roles)
    seen = await scope.units(request, caller)
    async with rt.db.read.connect() as db:
        batch = await eventlog.read_after(db, after, limit)
        withheld = await db.run_sync(rt.registry.withheld, view)
        if seen is not None:
            await db.run_sync(rt.registry.note_units, batch)
    # 督查范围: for an inspector, the events of other units are skipped like any the view may not see.
    shown = (e for e in batch if about(e) not in withheld and (seen is None or admitted(e, seen)))
    frames = [f.text for f in (rt.hub.render(e, view) for e in shown) if f is not None]
    last = batch[-1].position if batch else after
    # The frames are already JSON text: splice them in rather than parse and re-encode them.
    body = f'{{"ok":true,"epoch":{json.dumps(rt.epoch)},"position":{last},"events":[{",".join(frames)}]}}'
    return Response(body, media_type="application/json")


async def state(request: Request) -> Response:
    """The snapshot a WebSocket client would get, with the position it was read at."""
    caller = await require(request, Permission.BOARD_VIEW)
    rt = runtime(request)
    seen = await scope.units(request, caller)
    position, snap = await read_snapshot(rt, rt.registry.view_of(caller.user.roles), seen)
    return JSONResponse({"ok": True, "epoch": rt.epoch, "position": position, "state": snap})


async def reveal_confidential(request: Request) -> Response:
    """查看: the confidential parts, for the people involved; the reveal is logged before it happens."""
    caller = await require(request, IncidentPermission.CONFIDENTIAL_REVEAL)
    rt = runtime(request)
    incident_id = request.path_params["incident_id"]
    envelope = CommandEnvelope(
        id="reveal-" + uuid.uuid4().hex, name="confidential.reveal", args={"incident_id": incident_id}
    )
    result = await rt.service.submit(envelope, caller.user.actor, internal=True)
    if not result.ok:
        assert result.error is not None
        raise result.error
    async with rt.db.read.connect() as db:
        values = await db.run_sync(confidential_values, incident_id)
    response = JSONResponse({"ok": True, "incident_id": incident_id, "confidential": values})
    response.headers["cache-control"] = "no-store"
    return response


async def access_log(request: Request) -> Response:
    """借阅登记: every reveal of confidential parts, newest first."""
    caller = await require(request, IncidentPermission.ACCESS_LOG_VIEW)
    roles = frozenset(caller.user.roles)
    async with runtime(request).db.read.connect() as db:
        entries = await db.run_sync(incident_queries.access_register, 1000, roles)
    return JSONResponse({"ok": True, "entries": entries})


async def list_users(request: Request) -> Response:
    """People to assign to a matter (names and roles only)."""
    await require(request, Permission.USERS_VIEW)
    async with runtime(request).db.read.connect() as db:
        people = await active_users(db)
    return JSONResponse({"ok": True, "users": people})


async def healthz(request: Request) -> Response:
    """Database reachable and (on PostgreSQL) the LISTEN connection alive."""
    rt = runtime(request)
    checks: dict[str, Any] = {}
    started = time.perf_counter()
    try:
        async with rt.db.read.connect() as db:
            checks["position"] = await eventlog.head_position(db)
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unreachable"
    checks["database_ms"] = round((time.perf_counter() - started) * 1000, 2)
    checks["listener"] = "ok" if rt.listener_alive else "down"
    if rt.listener is not None:
        checks["listener_reconnects"] = rt.listener.reconnects
    checks["published"] = rt.hub.published
    checks["clients"] = rt.hub.count()
    healthy = checks["database"] == "ok" and checks["listener"] == "ok"
    return JSONResponse({"ok": healthy, **checks}, status_code=200 if healthy else 503)


async def metrics(request: Request) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from ..metrics import OUTBOUND_QUEUE_DEPTH, REGISTRY

    rt = runtime(request)
    OUTBOUND_QUEUE_DEPTH.set(sum(len(c.queue) for c in rt.hub.connections))
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


ACCESS: dict[tuple[str, str], str] = {
    ("GET", "/api/me"): SIGNED_IN,
    ("POST", "/api/logout"): SIGNED_IN,
    ("POST", "/api/commands"): SIGNED_IN,  # each command then checks its own permission
    ("GET", "/api/incidents"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}"): Permission.BOARD_VIEW,
    ("GET", "/api/events"): Permission.BOARD_VIEW,
    ("GET", "/api/state"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/confidential"): IncidentPermission.CONFIDENTIAL_REVEAL,
    ("GET", "/api/access-log"): IncidentPermission.ACCESS_LOG_VIEW,
    ("GET", "/api/users"): Permission.USERS_VIEW,
}
