"""The Starlette application: routes, error handling and the process lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from ..clock import Clock
from ..domains import registry
from ..errors import ConsoleError
from ..i18n import MESSAGES, translate
from ..permissions import PUBLIC
from ..registry import Registry
from ..runtime import Runtime
from ..settings import Settings, load_settings
from . import (
    alerts,
    api,
    pages,
    reports,
    responders,
    review,
    review_activity,
    review_person,
    review_summary,
    review_targets,
    runs,
    tokens,
)
from .edge import error_response, locale_of, messages_of
from .openapi import build_openapi
from .recusal import guard_routes
from .ws import ws_endpoint

log = logging.getLogger("console.web")

STATIC = Path(__file__).parent / "static"


def _refusal(status: int, code: str, **params: object) -> JSONResponse:
    message = translate(code, None, MESSAGES, **params)
    return JSONResponse({"ok": False, "error": {"code": code, "message": message}}, status_code=status)


def _hang_up(protocol: Any, transport: asyncio.Transport) -> Callable[[float], None]:
    """End a WebSocket's TCP connection without waiting for the peer's close reply: the transport sends
    what it holds (the close frame last), then closes; a socket still open after `grace` seconds (a peer
    that reads nothing) is aborted. The server's protocol marks `disconnected` once the connection is gone."""

    def hang_up(grace: float) -> None:
        transport.close()

        def drop() -> None:
            if not protocol.disconnected:
                transport.abort()

        asyncio.get_running_loop().call_later(grace, drop)

    return hang_up


class SecurityHeaders:
    """Headers every response carries: no framing, no sniffing, nothing loaded from elsewhere."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # A peer that stopped reading cannot be sent a close frame; the only way to drop it is to
            # abort the socket. The server's transport is reachable from its send callable (uvicorn).
            protocol = getattr(send, "__self__", None)
            transport = getattr(protocol, "transport", None)
            if transport is not None and hasattr(transport, "abort"):
                scope["console.abort"] = transport.abort
                if hasattr(protocol, "disconnected"):
                    scope["console.hang_up"] = _hang_up(protocol, transport)
            # The fan-out writes frames through the server's protocol when it can (console.sinks).
            scope["console.protocol"] = protocol
            scope["console.send"] = send
            if scope.get("path") == "/ws":
                # The live stream's connections are the console's many long-lived ones, each holding its
                # chain of coroutine frames for hours: it enters its endpoint from here, without the
                # router's and the exception middleware's frames (about 5 KiB per idle connection).
                # The endpoint handles its own errors; the route below stays for the route table.
                await ws_endpoint(WebSocket(scope, receive, send))
                return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", ""):
            # No route or record has a NUL in its name, and PostgreSQL could not even look one up.
            await _refusal(404, "not_found")(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b""):
            # No query value holds a NUL: malformed, whichever route it was sent to.
            await _refusal(422, "invalid_frame", detail="NUL character")(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    (
                        b"content-security-policy",
                        b"default-src 'self'; connect-src 'self'; script-src 'self' 'unsafe-inline'; "
                        b"style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
                    ),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or "application/json" in request.headers.get("accept", "")


async def _console_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConsoleError)
    if _wants_json(request):
        return error_response(exc, request)
    return pages.error_page(request, exc.status, exc.message(locale_of(request), messages_of(request)))


def _allowed(request: Request) -> str:
    """Every method some route serves at this path (a path can have a route per method, as /login does;
    the router's own 405 names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "invalid_frame")
    locale = locale_of(request)
    message = translate(code, locale, MESSAGES, detail=f"HTTP {exc.status_code}")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["allow"] = _allowed(request)
    if _wants_json(request):
        return JSONResponse(
            {"ok": False, "error": {"code": code, "message": message}},
            status_code=exc.status_code,
            headers=headers,
        )
    response = pages.error_page(request, exc.status_code, message)
    response.headers.update(headers)
    return response


async def _database_error(request: Request, exc: Exception) -> Response:
    # The database refused or dropped a connection (a restart, a failover, a full pool): nothing was
    # written by this request, and trying again shortly is what the user should do; 503, not a crash.
    log.error("database_unavailable", extra={"path": request.url.path, "error": type(exc).__name__})
    message = translate("server_busy", locale_of(request), MESSAGES)
    headers = {"retry-after": "2"}
    if _wants_json(request):
        body = {"ok": False, "error": {"code": "server_busy", "message": message}}
        return JSONResponse(body, status_code=503, headers=headers)
    response = pages.error_page(request, 503, message)
    response.headers.update(headers)
    return response


async def _crash(request: Request, exc: Exception) -> Response:
    # Logged with its type only; the user gets a translated apology, never a traceback.
    log.error("unhandled_error", extra={"path": request.url.path, "error": type(exc).__name__}, exc_info=exc)
    message = translate("internal", locale_of(request), MESSAGES)
    if _wants_json(request):
        return JSONResponse({"ok": False, "error": {"code": "internal", "message": message}}, status_code=500)
    return pages.error_page(request, 500, message)


async def _openapi(request: Request) -> Response:
    return JSONResponse(build_openapi(request.app.state.registry, request.app.routes, ROUTE_ACCESS))


# Every HTTP route and what it needs: PUBLIC (anyone), SIGNED_IN (any role), or a permission.
# tests/console/test_permissions.py walks the application's routes and fails on any route not listed.
ROUTE_ACCESS: dict[tuple[str, str], str] = {
    **pages.ACCESS,
    ("POST", "/api/login"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    **api.ACCESS,
    **runs.ACCESS,
    **responders.ACCESS,
    **tokens.ACCESS,
    **reports.ACCESS,
    **alerts.ACCESS,
    **review.ACCESS,
    **review_summary.ACCESS,
    **review_activity.ACCESS,
    **review_person.ACCESS,
    **review_targets.ACCESS,
}


def create_app(
    settings: Settings | None = None, clock: Clock | None = None, domains: Registry | None = None
) -> Starlette:
    """Build the console application for these settings (read from the environment if not given) and
    these domains (the console's own, console.domains, if not given)."""
    settings = settings or load_settings()
    given = domains or registry()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        rt = Runtime(settings, given, clock)
        app.state.runtime = rt
        await rt.start()
        try:
            yield
        finally:
            await rt.stop()

    routes = [
        *pages.ROUTES,
        Route("/api/login", api.login, methods=["POST"]),
        Route("/api/logout", api.logout, methods=["POST"]),
        Route("/api/me", api.me),
        Route("/api/commands", api.command, methods=["POST"]),
        Route("/api/incidents", api.list_incidents),
        Route("/api/incidents/{incident_id}", api.get_incident),
        Route("/api/events", api.list_events),
        Route("/api/state", api.state),
        Route("/api/incidents/{incident_id}/confidential", api.reveal_confidential),
        Route("/api/access-log", api.access_log),
        Route("/api/users", api.list_users),
        *runs.ROUTES,
        *responders.ROUTES,
        *tokens.ROUTES,
        *reports.ROUTES,
        *alerts.ROUTES,
        *review.ROUTES,
        *review_summary.ROUTES,
        *review_activity.ROUTES,
        *review_person.ROUTES,
        *review_targets.ROUTES,
        Route("/openapi.json", _openapi),
        Route("/healthz", api.healthz),
        Route("/metrics", api.metrics),
        WebSocketRoute("/ws", ws_endpoint),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    app = Starlette(
        routes=guard_routes(routes, ROUTE_ACCESS),
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={
            ConsoleError: _console_error,
            HTTPException: _http_error,
            SQLAlchemyError: _database_error,
            Exception: _crash,
        },
    )
    app.state.registry = given
    return app
