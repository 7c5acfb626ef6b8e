"""What every handler needs from a request: who is asking, in which language, and error replies."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response

from ..auth import Session, User, find_session, find_token, record_token_use, token_use_is_stale
from ..errors import ConsoleError, Forbidden, Unauthenticated, same_secret
from ..i18n import normalise_locale
from ..runtime import Runtime

SESSION_COOKIE = "ic_session"
LOCALE_COOKIE = "ic_locale"
CSRF_HEADER = "x-csrf-token"


def runtime(conn: HTTPConnection) -> Runtime:
    rt: Runtime = conn.app.state.runtime
    return rt


async def read(request: HTTPConnection, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """`fn(conn, *args, **kwargs)` on a read connection, run off the event loop (the routes' reads)."""
    async with runtime(request).db.read.connect() as db:
        return await db.run_sync(lambda conn: fn(conn, *args, **kwargs))


def messages_of(conn: HTTPConnection) -> Mapping[str, str]:
    """The console's table of error codes (the spine's and every domain's)."""
    return runtime(conn).registry.messages


def locale_of(conn: HTTPConnection) -> str:
    """The user's language: their choice (cookie), else the browser's, else the console's default."""
    chosen = conn.cookies.get(LOCALE_COOKIE)
    if chosen:
        return normalise_locale(chosen)
    accept = conn.headers.get("accept-language", "")
    if accept:
        first = accept.split(",")[0].split(";")[0].strip()
        if first.lower().startswith("en"):
            return "en"
        if first.lower().startswith("zh"):
            return "zh_CN"
    return normalise_locale(runtime(conn).settings.locale)


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: a user, and the session if it came by cookie (for CSRF), or the id of
    the API token it came with (revoking the token closes its sockets)."""

    user: User
    session: Session | None
    token_id: str | None = None


async def caller_of_token(rt: Runtime, token: str) -> Caller | None:
    """The caller behind an API token; its use is written down (at most once a minute per token)."""
    async with rt.db.read.connect() as db:
        found = await find_token(db, token)
    if found is None:
        return None
    now = rt.clock.now()
    if token_use_is_stale(found, now):
        async with rt.db.write.begin() as db:
            await record_token_use(db, found.token_id, now)
    return Caller(found.user, None, found.token_id)


async def identify(conn: HTTPConnection) -> Caller | None:
    """The caller behind a bearer token or a session cookie, or None."""
    rt = runtime(conn)
    auth = conn.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return await caller_of_token(rt, auth[7:].strip())
    cookie = conn.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None  # no read for a caller who presents nothing
    async with rt.db.read.connect() as db:
        session = await find_session(db, cookie, rt.clock.now())
    return Caller(session.user, session) if session else None


async def require_caller(request: Request) -> Caller:
    caller = await identify(request)
    if caller is None:
        raise Unauthenticated("session_expired" if request.cookies.get(SESSION_COOKIE) else "unauthenticated")
    return caller


async def require(request: Request, permission: str) -> Caller:
    """The caller, if signed in and holding the permission (Registry.allowed); else 401 or 403."""
    caller = await require_caller(request)
    if not runtime(request).registry.allowed(caller.user.roles, permission):
        raise Forbidden()
    return caller


def csrf_ok(caller: Caller, presented: str | None) -> bool:
    """Cookie sessions must present their CSRF token; bearer tokens cannot be sent by a browser on its own."""
    if caller.session is None:
        return True
    return bool(presented) and same_secret(caller.session.csrf, presented or "")


def error_response(
    exc: ConsoleError, conn: HTTPConnection, extra: dict[str, Any] | None = None
) -> JSONResponse:
    """The JSON refusal of an API route, in the caller's language."""
    body: dict[str, Any] = {"ok": False, "error": exc.to_dict(locale_of(conn), messages_of(conn))}
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=exc.status)


def cookie_secure(conn: HTTPConnection) -> bool:
    setting = runtime(conn).settings.cookie_secure.lower()
    if setting in ("true", "1", "yes"):
        return True
    if setting in ("false", "0", "no"):
        return False
    return conn.url.scheme == "https"


def csv_download(text: str, filename: str) -> Response:
    """A CSV download: a byte-order mark so the spreadsheet programs offices use read the Chinese text as
    UTF-8; ids in the name come from the path, and a header carries Latin-1 only (and never a quote)."""
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
