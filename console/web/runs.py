"""HTTP views of playbook runs: the room's checklist and the board's levels, as of the server's now."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import NotFound
from ..permissions import Permission
from ..runs.store import load_runs, run_of
from ..runs.tables import playbook_runs
from ..runs.view import run_summary, run_view
from .edge import require, runtime


async def list_runs(request: Request) -> Response:
    """Every run's level, drill mark and open due instants, as of now."""
    await require(request, Permission.BOARD_VIEW)
    rt = runtime(request)
    async with rt.db.read.connect() as db:
        runs = await db.run_sync(load_runs)
    now = rt.clock.now()
    return JSONResponse(
        {"ok": True, "now": now.isoformat(), "runs": [run_summary(r, now, rt.settings.grading) for r in runs]}
    )


async def get_run(request: Request) -> Response:
    """One incident's run: steps with owners, states and due instants; reports; the level."""
    await require(request, Permission.BOARD_VIEW)
    incident_id = request.path_params["incident_id"]
    if len(incident_id) > 64 or not incident_id.isprintable():
        raise NotFound("no_playbook_run")
    rt = runtime(request)
    async with rt.db.read.connect() as db:
        query = playbook_runs.select().where(playbook_runs.c.incident_id == incident_id)
        row = (await db.execute(query)).first()
    if row is None:
        raise NotFound("no_playbook_run")
    return JSONResponse({"ok": True, "run": run_view(run_of(row), rt.clock.now(), rt.settings.grading)})
