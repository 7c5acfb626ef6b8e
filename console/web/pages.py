"""Server-rendered pages (Jinja2): sign-in and the live board. zh-CN first, English on request."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from ..errors import ConsoleError
from ..i18n import normalise_locale
from ..incidents.domain import INCIDENT_TYPE_LABELS, Channel, Outcome
from .api import authenticate, end_session, set_session_cookie
from .edge import LOCALE_COOKIE, cookie_secure, identify, locale_of, runtime

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
LOGIN_CSRF_COOKIE = "ic_login_csrf"


def _context(request: Request, **extra: Any) -> dict[str, Any]:
    locale = locale_of(request)

    def t(zh: str, en: str) -> str:
        return en if locale == "en" else zh

    return {"locale": locale, "t": t, "lang": "en" if locale == "en" else "zh-CN", **extra}


async def login_page(request: Request) -> Response:
    token = secrets.token_urlsafe(16)
    response = templates.TemplateResponse(request, "login.html", _context(request, csrf=token, error=None))
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=cookie_secure(request)
    )
    return response


async def login_submit(request: Request) -> Response:
    form = await request.form()
    token = request.cookies.get(LOGIN_CSRF_COOKIE)
    username, password = str(form.get("username", ""))[:100], str(form.get("password", ""))[:200]
    error: ConsoleError | None = None
    if not token or not secrets.compare_digest(token, str(form.get("csrf", ""))):
        error = ConsoleError("csrf_failed")
    else:
        try:
            session = await authenticate(request, username, password)
        except ConsoleError as exc:
            error = exc
    if error is not None:
        fresh = secrets.token_urlsafe(16)
        ctx = _context(request, csrf=fresh, error=error.message(locale_of(request)), username=username)
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
    form = await request.form()
    if caller and caller.session and secrets.compare_digest(caller.session.csrf, str(form.get("csrf", ""))):
        await end_session(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie("ic_session", path="/")
    return response


async def board(request: Request) -> Response:
    caller = await identify(request)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    ctx = _context(
        request,
        user=caller.user,
        csrf=caller.session.csrf if caller.session else "",
        types=INCIDENT_TYPE_LABELS,
        channels=[c.value for c in Channel],
        outcomes=[o.value for o in Outcome],
    )
    return templates.TemplateResponse(request, "board.html", ctx)


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
