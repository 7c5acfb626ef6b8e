"""督查范围 on the server: an inspector (上级督查) sees the incidents, reviews and reports of the units
under them only, on every route that shows one; anything else is not found for them (404), so a probe
learns nothing of another unit. One module, so the review's routes and the reports' ask the same thing.

Who is limited: a user who holds no role of the office's own (duty officer, leader, responder,
reviewer, admin) — that is, an inspector and nothing else. Which units: `review.set_inspector_units`
(console.review.queries.inspector_units, with every unit below those chosen).
"""

from __future__ import annotations

from starlette.requests import Request

from ..errors import NotFound
from ..review import live_scope, queries
from ..roles import Role
from ..runtime import Runtime
from .edge import Caller, read

# The office's own roles: whoever holds one of them is not limited to units.
OWN_OFFICE = frozenset(r.value for r in Role if r is not Role.INSPECTOR)


def limited(caller: Caller) -> bool:
    """Whether what the caller sees is limited to the units they oversee."""
    return not caller.user.roles & OWN_OFFICE


async def units(request: Request, caller: Caller) -> frozenset[str] | None:
    """The units the caller may see (None: every unit)."""
    if not limited(caller):
        return None
    found: frozenset[str] = await read(request, queries.inspector_units, caller.user.username)
    return found


async def units_of(rt: Runtime, caller: Caller) -> frozenset[str] | None:
    """The units the caller may see (None: every unit), for a caller not bound to a request (/ws)."""
    if not limited(caller):
        return None
    async with rt.db.read.connect() as db:
        found: frozenset[str] = await db.run_sync(queries.inspector_units, caller.user.username)
    return found


async def incident(request: Request, caller: Caller, incident_id: str) -> None:
    """Refuse (404 incident_not_found) an incident outside the caller's units."""
    if limited(caller) and not await read(
        request, queries.inspector_may_see, caller.user.username, incident_id
    ):
        raise NotFound("incident_not_found")


async def report(request: Request, caller: Caller, report_id: str) -> None:
    """Refuse (404 report_not_found) a report outside the caller's units (its incident's unit; a
    statistics report is the county's)."""
    if limited(caller) and not await read(
        request, queries.inspector_may_see_report, caller.user.username, report_id
    ):
        raise NotFound("report_not_found")


async def county(request: Request, caller: Caller) -> bool:
    """Whether the caller sees what covers the whole county (the statistics reports)."""
    seen = await units(request, caller)
    if seen is None:
        return True
    root = await read(request, queries.root_unit)
    return root is not None and root in seen


async def outside(request: Request, caller: Caller) -> frozenset[str] | None:
    """The incidents a limited caller may not see (None: the caller is not limited): lists leave them out."""
    seen = await units(request, caller)
    if seen is None:
        return None
    hidden: frozenset[str] = await read(request, live_scope.outside, seen)
    return hidden


async def refuse_outside(request: Request, caller: Caller) -> None:
    """Refuse (404) a route naming an incident or a report outside a limited caller's units: wrapped
    around every such route when the app is built (console.web.recusal.guard_routes)."""
    if not limited(caller):
        return
    params = request.path_params
    if params.get("incident_id") is not None:
        await incident(request, caller, params["incident_id"])
    elif params.get("report_id") is not None:
        await report(request, caller, params["report_id"])
