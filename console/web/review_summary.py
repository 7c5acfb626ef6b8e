"""履职情况汇总 over HTTP: the compliance of a period's incidents per unit, per person and per month.

Thin: pick the period's real incidents (drills never count) that the caller may see, read each one's
log and table as the review does, and sum them with the pure `review.summary`. Every table is computed
from the log on each request (a projection is the next step for long periods).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from review.summary import IncidentTable, Summary, Tally, summarise, to_csv

from ..clock import parse_iso
from ..errors import InvalidInput
from ..incidents.recusal import hidden_for
from ..review import queries
from ..review.permissions import Permission
from ..review.store import incident_log
from . import scope
from .edge import Caller, csv_download, read, require, runtime
from .pages import shell, signed_in, templates
from .responders import _instant, _now
from .review import _rows


def _period(request: Request) -> tuple[datetime, datetime]:
    """[from, to): by default the current year up to now (in the office's time zone)."""
    now = _now(request)
    local = now.astimezone(runtime(request).settings.tz)
    start = _instant(
        request, "from", local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    )
    end = _instant(request, "to", now)
    if end <= start:
        raise InvalidInput("invalid_frame", detail="to")
    return start, end


async def _summary(request: Request, caller: Caller) -> tuple[Summary, datetime, datetime, int]:
    start, end = _period(request)
    found = await read(request, queries.incidents_in_period, start, end)
    hidden = await read(request, hidden_for, caller.user.roles)  # 回避
    found = [row for row in found if row[0] not in hidden]
    names = await read(request, queries.unit_names)
    seen = await scope.units(request, caller)
    tz = runtime(request).settings.tz
    now = _now(request)
    tables: list[IncidentTable] = []
    for incident_id, number, opened_at in found:
        unit = await read(request, queries.incident_unit, incident_id) or ""
        if seen is not None and unit not in seen:
            continue
        async with runtime(request).db.read.connect() as conn:
            log = await incident_log(conn, incident_id, number)
        month = parse_iso(opened_at).astimezone(tz).strftime("%Y-%m")
        rows = await _rows(request, log, now)
        tables.append(IncidentTable(incident_id, number, unit, names.get(unit, unit), month, rows))
    return summarise(tables), start, end, len(tables)


def _tally(t: Tally) -> dict[str, Any]:
    rate = t.on_time_rate
    return {
        "key": t.key,
        "name": t.name,
        "incidents": sorted(t.incidents),
        "duties": t.duties,
        "on_time": t.on_time,
        "late": t.late,
        "overdue": t.overdue,
        "minutes_late": round(t.minutes_late, 1),
        "on_time_rate": round(rate, 4) if rate is not None else None,
    }


async def summary_api(request: Request) -> Response:
    """The sums per unit, per person (late duties they held) and per month of the period's incidents."""
    caller = await require(request, Permission.REVIEW_VIEW)
    summary, start, end, count = await _summary(request, caller)
    return JSONResponse(
        {
            "ok": True,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "incidents": count,
            "by_unit": [_tally(t) for t in summary.by_unit],
            "by_person": [_tally(t) for t in summary.by_person],
            "by_month": [_tally(t) for t in summary.by_month],
        }
    )


async def summary_csv(request: Request) -> Response:
    caller = await require(request, Permission.REVIEW_VIEW)
    summary, start, end, _count = await _summary(request, caller)
    tz = runtime(request).settings.tz
    name = f"compliance-summary-{start.astimezone(tz):%Y%m%d}-{end.astimezone(tz):%Y%m%d}.csv"
    return csv_download(to_csv(summary), name)


async def summary_page(request: Request) -> Response:
    caller = await signed_in(request, Permission.REVIEW_VIEW)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    summary, start, end, count = await _summary(request, caller)
    tz = runtime(request).settings.tz
    ctx = shell(
        request,
        caller,
        page="review-summary",
        summary=summary,
        count=count,
        start=start.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        end=end.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        query=request.url.query,
    )
    return templates.TemplateResponse(request, "review_summary.html", ctx)


ROUTES = [
    Route("/review/summary", summary_page),
    Route("/api/review/summary", summary_api),
    Route("/api/review/summary.csv", summary_csv),
]
ACCESS = {
    ("GET", "/review/summary"): Permission.REVIEW_VIEW,
    ("GET", "/api/review/summary"): Permission.REVIEW_VIEW,
    ("GET", "/api/review/summary.csv"): Permission.REVIEW_VIEW,
}
