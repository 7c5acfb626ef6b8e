"""Server-rendered pages (Jinja2): sign-in, the live board, the incident room, the access log.

zh-CN first, English on request; every string goes through the locale's Babel catalog. Pages render
the shell and what the browser needs to start (permissions, labels, the incident's history); the live
client (static/js) keeps them current over /ws.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from .. import eventlog
from ..errors import ConsoleError, Forbidden, InvalidInput, NotFound, same_secret
from ..i18n import gettext_for, normalise_locale
from ..incidents import queries as incident_queries
from ..incidents.events import stream_of
from ..incidents.permissions import CONFIDENTIAL_BY_ROLE
from ..incidents.permissions import GRANTS as INCIDENT_GRANTS
from ..incidents.permissions import Permission as IncidentPermission
from ..permissions import PUBLIC, Permission
from ..responders import queries as responder_queries
from ..responders import store as responder_store
from ..runs.queries import run_of_incident
from . import labels
from .api import MAX_POSITION, authenticate, end_session, set_session_cookie
from .edge import LOCALE_COOKIE, Caller, cookie_secure, identify, locale_of, messages_of, require, runtime

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["local_time"] = labels.local_time
LOGIN_CSRF_COOKIE = "ic_login_csrf"


def _asset_version() -> str:
    """A digest of the static files: it names the service worker's cache, so new files replace old."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


ASSET_VERSION = _asset_version()
# What a tablet keeps so a page opens, and its queue survives, when the network is gone.
OFFLINE_ASSETS = sorted(
    "/static/" + p.relative_to(STATIC).as_posix()
    for p in STATIC.rglob("*")
    if p.is_file() and p.suffix in (".js", ".css") and p.name != "sw.js"
)


def _context(request: Request, **extra: Any) -> dict[str, Any]:
    locale = locale_of(request)
    return {
        "locale": locale,
        "lang": "en" if locale == "en" else "zh-CN",
        "_": gettext_for(locale),
        "version": ASSET_VERSION,
        **extra,
    }


def shell(request: Request, caller: Caller, **extra: Any) -> dict[str, Any]:
    """The context of a signed-in page, with what the live client needs to start."""
    locale = locale_of(request)
    gettext = gettext_for(locale)
    user = caller.user
    permissions = sorted(runtime(request).registry.permissions_of(user.roles))
    boot = {
        "user": {"id": user.id, "name": user.display_name, "roles": sorted(user.roles)},
        "permissions": permissions,
        "reveal_by_role": bool(user.roles & CONFIDENTIAL_BY_ROLE),
        # Who can hold a matter: the assign picker offers only them (the decision refuses others).
        "assignable_roles": sorted(INCIDENT_GRANTS[IncidentPermission.CONFIDENTIAL_REVEAL]),
        "locale": locale,
        "timezone": runtime(request).settings.timezone,
        **labels.translated(gettext),
        **extra.pop("boot", {}),
    }
    return _context(
        request,
        user=user,
        roles=[gettext(labels.ROLES.get(r, r)) for r in sorted(user.roles)],
        csrf=caller.session.csrf if caller.session else "",
        can=set(permissions),
        boot=boot,
        **extra,
    )


async def signed_in(request: Request, permission: str = Permission.BOARD_VIEW) -> Caller | None:
    """The caller of a page (None: send them to sign in); 403 if they lack the permission."""
    caller = await identify(request)
    if caller is not None and not runtime(request).registry.allowed(caller.user.roles, permission):
        raise Forbidden()
    return caller


async def login_page(request: Request) -> Response:
    token = secrets.token_urlsafe(16)
    response = templates.TemplateResponse(request, "login.html", _context(request, csrf=token, error=None))
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=cookie_secure(request)
    )
    return response


async def login_submit(request: Request) -> Response:
    # Read as a context: a file part in the form (junk, never a field of ours) is a temporary file,
    # closed here rather than whenever the garbage collector gets to it.
    async with request.form() as form:
        username, password = str(form.get("username", ""))[:100], str(form.get("password", ""))[:200]
        sent_csrf = str(form.get("csrf", ""))
    token = request.cookies.get(LOGIN_CSRF_COOKIE)
    error: ConsoleError | None = None
    if not token or not same_secret(token, sent_csrf):
        error = ConsoleError("csrf_failed")
    else:
        try:
            session = await authenticate(request, username, password)
        except ConsoleError as exc:
            error = exc
    if error is not None:
        fresh = secrets.token_urlsafe(16)
        ctx = _context(
            request,
            csrf=fresh,
            error=error.message(locale_of(request), messages_of(request)),
            username=username,
        )
        response = templates.TemplateResponse(request, "login.html", ctx, status_code=error.status)
        response.set_cookie(
            LOGIN_CSRF_COOKIE, fresh, httponly=True, samesite="strict", secure=cookie_secure(request)
        )
        return response
    redirect = RedirectResponse("/", status_code=303)
    set_session_cookie(request, redirect, session.token, runtime(request).settings.session_hours)
    redirect.delete_cookie(LOGIN_CSRF_COOKIE)
    return redirect


async def logout_submit(request: Request) -> Response:
    caller = await identify(request)
    async with request.form() as form:  # closes a file part (login_submit)
        sent_csrf = str(form.get("csrf", ""))
    if caller and caller.session:
        if not same_secret(caller.session.csrf, sent_csrf):
            # Another site's form cannot sign anyone out: a wrong token changes nothing, cookie included.
            raise Forbidden("csrf_failed")
        await end_session(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie("ic_session", path="/")
    return response


def register_places(conn: Connection) -> list[tuple[str, str, str]]:
    """The register form's named places: (name, English gloss, place type), the organisation's own when
    it has imported any (each with its 地点类型), else the county seat's usual ones (labels.PLACES)."""
    named = responder_store.places(conn).values()
    if not named:
        return labels.PLACES
    glosses = {name: gloss for name, gloss, _kind in labels.PLACES}
    usual = list(glosses)  # the usual places first (接待大厅 is the default), then the others by name
    ordered = sorted(named, key=lambda p: (usual.index(p.name) if p.name in glosses else len(usual), p.name))
    return [(p.name, glosses.get(p.name, p.name), p.place_type.value) for p in ordered]


async def board(request: Request) -> Response:
    """事件看板: open incidents, live; the register form for those who may register."""
    caller = await signed_in(request)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    async with runtime(request).db.read.connect() as db:
        places = await db.run_sync(register_places)
    ctx = shell(
        request,
        caller,
        page="board",
        types=labels.INCIDENT_TYPES,
        channels=labels.CHANNELS,
        places=places,
        confidential_fields=labels.CONFIDENTIAL_FIELDS,
        place_types=labels.PLACE_TYPES,
        grading_flags=labels.GRADING_FLAGS,
        unit_levels=labels.UNIT_LEVELS,
        levels=labels.LEVELS,
    )
    return templates.TemplateResponse(request, "board.html", ctx)


# The room opens with the latest part of its timeline; older entries come page by page (history_api).
ROOM_NOTES = 20
ROOM_HISTORY = 100


def _room_rows(conn: Connection, incident_id: str, everyone: bool) -> dict[str, Any] | None:
    found = incident_queries.incident_with_notes(conn, incident_id, ROOM_NOTES)
    if found is None:
        return None
    incident, notes, more = found
    people = incident_queries.people_names(conn, None if everyone else set(incident["assigned"]))
    run = run_of_incident(conn, incident_id)
    return {
        "incident": incident,
        "notes": notes,
        "notes_more": more,
        "people": people,
        # The timeline names steps, options, people and places as the screen does, never by their ids.
        "titles": labels.playbook_titles(run.snapshot.playbook) if run is not None else {},
        "person_names": responder_queries.names(conn),
        "place_names": {pid: p.name for pid, p in responder_store.places(conn).items()},
    }


async def _history(
    request: Request, caller: Caller, incident_id: str, before: int | None, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """The latest `limit` events of the incident's timeline before a position, as the caller may see them."""
    rt = runtime(request)
    async with rt.db.read.connect() as db:
        stream = await eventlog.read_stream(db, stream_of(incident_id), limit + 1, before)
    more = len(stream) > limit
    view = rt.registry.view_of(caller.user.roles)
    frames = (rt.hub.render(e, view) for e in stream[-limit:])
    return [json.loads(f.text) for f in frames if f is not None], more


async def room(request: Request) -> Response:
    """事件处置室: one incident's facts, live timeline, notes, amendments, closing and its people."""
    caller = await signed_in(request)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    incident_id = request.path_params["incident_id"]
    if len(incident_id) > 64 or not incident_id.isprintable():
        raise NotFound("incident_not_found")  # no id looks like this (and PostgreSQL refuses NUL bytes)
    rt = runtime(request)
    everyone = rt.registry.allowed(caller.user.roles, Permission.USERS_VIEW)
    async with rt.db.read.connect() as db:
        data = await db.run_sync(_room_rows, incident_id, everyone)
    if data is None:
        raise NotFound("incident_not_found")
    history, history_more = await _history(request, caller, incident_id, None, ROOM_HISTORY)
    ctx = shell(
        request,
        caller,
        page="room",
        incident=data["incident"],
        types=labels.INCIDENT_TYPES,
        channels=labels.CHANNELS,
        outcomes=labels.OUTCOMES,
        places=labels.PLACES,
        confidential_fields=labels.CONFIDENTIAL_FIELDS,
        levels=labels.LEVELS,
        boot={
            **data,
            "history": history,
            "history_more": history_more,
            "moves": labels.movement_labels(locale_of(request)),
        },
    )
    return templates.TemplateResponse(request, "room.html", ctx)


def _paging(request: Request) -> tuple[str, int | None, int]:
    """The incident and the page asked for (?before=position&limit=n); 422 for anything else."""
    incident_id = request.path_params["incident_id"]
    if len(incident_id) > 64 or not incident_id.isprintable():
        raise NotFound("incident_not_found")  # no id looks like this (and PostgreSQL refuses NUL bytes)
    raw_before = request.query_params.get("before")
    try:
        limit = incident_queries.page_limit(request.query_params.get("limit"))
        if raw_before is not None and not (raw_before.isascii() and raw_before.isdigit()):
            raise ValueError(raw_before)
    except ValueError:
        raise InvalidInput("invalid_frame", detail="before/limit") from None
    before = min(int(raw_before), MAX_POSITION) if raw_before is not None else None
    return incident_id, before, limit


async def _known_incident(request: Request, incident_id: str) -> None:
    async with runtime(request).db.read.connect() as db:
        found = await db.run_sync(incident_queries.incident_exists, incident_id)
    if not found:
        raise NotFound("incident_not_found")


async def notes_api(request: Request) -> Response:
    """Older notes of an incident, page by page: the latest `limit` before `before`, oldest first."""
    await require(request, Permission.BOARD_VIEW)
    incident_id, before, limit = _paging(request)
    await _known_incident(request, incident_id)
    async with runtime(request).db.read.connect() as db:
        notes, more = await db.run_sync(incident_queries.notes_page, incident_id, before, limit)
    return JSONResponse({"ok": True, "notes": notes, "more": more})


async def history_api(request: Request) -> Response:
    """Older entries of an incident's timeline (its events as the caller may see them), page by page."""
    caller = await require(request, Permission.BOARD_VIEW)
    incident_id, before, limit = _paging(request)
    await _known_incident(request, incident_id)
    events, more = await _history(request, caller, incident_id, before, limit)
    return JSONResponse({"ok": True, "events": events, "more": more})


async def access_log_page(request: Request) -> Response:
    """借阅登记: who was shown which incident's confidential details, and when."""
    caller = await signed_in(request, IncidentPermission.ACCESS_LOG_VIEW)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    ctx = shell(request, caller, page="access-log")
    return templates.TemplateResponse(request, "access_log.html", ctx)


async def service_worker(request: Request) -> Response:
    """The service worker, at the root so it may serve every page when the network is gone."""
    script = (STATIC / "sw.js").read_text(encoding="utf-8")
    script = script.replace("__VERSION__", ASSET_VERSION).replace("__ASSETS__", json.dumps(OFFLINE_ASSETS))
    return Response(
        script,
        media_type="text/javascript",
        headers={"cache-control": "no-cache", "service-worker-allowed": "/"},
    )


async def set_locale(request: Request) -> Response:
    locale = normalise_locale(request.path_params["locale"])
    target = request.headers.get("referer") or "/"
    if not target.startswith(str(request.base_url)):
        target = "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        LOCALE_COOKIE, locale, max_age=365 * 86400, samesite="lax", secure=cookie_secure(request)
    )
    return response


def error_page(request: Request, status: int, message: str) -> Response:
    return templates.TemplateResponse(
        request, "error.html", _context(request, status=status, message=message), status_code=status
    )


# The pages' routes live with the pages; the application mounts them as they are.
ROUTES = [
    Route("/", board),
    Route("/incidents/{incident_id}", room),
    Route("/api/incidents/{incident_id}/notes", notes_api),
    Route("/api/incidents/{incident_id}/history", history_api),
    Route("/access-log", access_log_page),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/logout", logout_submit, methods=["POST"]),
    Route("/locale/{locale}", set_locale),
    Route("/sw.js", service_worker),
]
ACCESS = {
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,  # ends the caller's own session, if any
    ("GET", "/locale/{locale}"): PUBLIC,
    ("GET", "/sw.js"): PUBLIC,  # the offline service worker: a static script, no data
    ("GET", "/"): Permission.BOARD_VIEW,
    ("GET", "/incidents/{incident_id}"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/notes"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/history"): Permission.BOARD_VIEW,
    ("GET", "/access-log"): IncidentPermission.ACCESS_LOG_VIEW,
}
