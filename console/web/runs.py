"""HTTP views of playbook runs: the room's checklist and the board's levels, as of the server's now."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from playbooks.config import thresholds

from ..errors import NotFound
from ..incidents.recusal import hidden_for
from ..permissions import Permission
from ..runs.queries import run_of_incident
from ..runs.store import load_runs
from ..runs.views import run_summary, run_view
from . import scope
from .edge import require, runtime


async def list_runs(request: Request) -> Response:
    """Every run's level, drill mark and open due instants, as of now."""
    caller = await require(request, Permission.BOARD_VIEW)
    rt = runtime(request)
    async with rt.db.read.connect() as db:
        runs = await db.run_sync(load_runs)
        hidden = await db.run_sync(hidden_for, caller.user.roles)  # 回避
    now, grading = rt.clock.now(), thresholds(rt.settings)
    hidden |= await scope.outside(request, caller) or frozenset()  # 督查范围: other units' runs
    shown = [run_summary(r, now, grading) for r in runs if r.incident_id not in hidden]
    return JSONResponse({"ok": True, "now": now.isoformat(), "runs": shown})


async def get_run(request: Request) -> Response:
    """One incident's run: steps with owners, states and due instants; reports; the level."""
    await require(request, Permission.BOARD_VIEW)
    incident_id = request.path_params["incident_id"]
    if len(incident_id) > 64 or not incident_id.isprintable():
        raise NotFound("no_playbook_run")
    rt = runtime(request)
    async with rt.db.read.connect() as db:
        run = await db.run_sync(run_of_incident, incident_id)
    if run is None:
        raise NotFound("no_playbook_run")
    return JSONResponse({"ok": True, "run": run_view(run, rt.clock.now(), thresholds(rt.settings))})


ROUTES = [
    Route("/api/runs", list_runs, methods=["GET"]),
    Route("/api/incidents/{incident_id}/run", get_run, methods=["GET"]),
]
ACCESS = {
    ("GET", "/api/runs"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/run"): Permission.BOARD_VIEW,
}
