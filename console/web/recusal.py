"""回避 at the edge: a page or API route naming an incident the caller may not see answers 404.

Every route whose path names an incident (`{incident_id}`) or a report (`{report_id}`) is wrapped once,
when the app is built, so no route can forget it: for a caller who may not see an incident about the
commission's own head (console.incidents.recusal), the incident does not exist; nor, for an inspector,
is an incident (or a report) outside the units they oversee (console.web.scope). Callers who are not
signed in are left to the route, which refuses them as it always has.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.engine import Connection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..errors import NotFound
from ..incidents.recusal import is_recused, may_see_recused
from ..permissions import PUBLIC, SIGNED_IN
from ..reports.tables import report_items
from .edge import identify, runtime
from .scope import refuse_outside

Endpoint = Callable[[Request], Awaitable[Response]]


def _incident_named(conn: Connection, incident_id: str | None, report_id: str | None) -> str | None:
    if incident_id is None and report_id is not None:
        query = select(report_items.c.incident_id).where(report_items.c.report_id == report_id)
        incident_id = conn.scalar(query)
    return incident_id if incident_id is not None and is_recused(conn, incident_id) else None


async def refuse_hidden(request: Request, need: str | None = None) -> None:
    """Raise `incident_not_found` (404) when the route names an incident the caller may not see; `need`
    is what the route needs (console.web.app.ROUTE_ACCESS)."""
    params = request.path_params
    incident_id, report_id = params.get("incident_id"), params.get("report_id")
    if incident_id is None and report_id is None:
        return
    caller = await identify(request)
    if caller is None:
        return
    # 督查范围: for an inspector, an incident of another unit does not exist either. A route the caller
    # may not use at all is left to refuse them (403) whatever it names: that says nothing of an incident.
    if (
        need is None
        or need in (PUBLIC, SIGNED_IN)
        or runtime(request).registry.allowed(caller.user.roles, need)
    ):
        await refuse_outside(request, caller)
    if may_see_recused(caller.user.roles):
        return
    async with runtime(request).db.read.connect() as db:
        hidden = await db.run_sync(_incident_named, incident_id, report_id)
    if hidden is not None:
        raise NotFound("incident_not_found" if incident_id is not None else "report_not_found")


def _guarded(endpoint: Endpoint, path: str, access: Mapping[tuple[str, str], str]) -> Endpoint:
    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        await refuse_hidden(request, access.get((method, path)))
        return await endpoint(request)

    return guarded


def guard_routes(
    routes: Iterable[BaseRoute], access: Mapping[tuple[str, str], str] | None = None
) -> list[BaseRoute]:
    """The routes, with those naming an incident or a report wrapped by `refuse_hidden`; `access` says
    what each route needs (console.web.app.ROUTE_ACCESS)."""
    out: list[BaseRoute] = []
    for route in routes:
        if isinstance(route, Route) and ("{incident_id}" in route.path or "{report_id}" in route.path):
            methods = sorted(route.methods - {"HEAD"}) if route.methods else None
            guarded = _guarded(route.endpoint, route.path, access or {})
            route = Route(route.path, guarded, methods=methods, name=route.name)
        out.append(route)
    return out
