"""目标管理 (seed §25) over HTTP: the figures of a period per unit against the year's targets, their
monthly trends, and the incidents behind every figure.

Thin: read the figures' projections (console.review.figures_queries), compute with the pure
`review.figures`, reply. Targets are set by commands (`review.set_targets`, `review.import_targets`)
through /api/commands. Inspectors see the units they oversee only (as the review pages scope them).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from playbooks.config import thresholds
from reports.statistics import Period, PeriodInvalid
from review.figures import (
    SHAPES,
    TARGETED,
    UNGRADED,
    Figure,
    FigureKey,
    Incident,
    Shape,
    Tree,
    in_period,
    parse_period,
    per_unit,
)

from ..errors import InvalidInput, NotFound
from ..i18n import gettext_for
from ..incidents.recusal import hidden_for
from ..review import figures_queries
from ..review.config import close_days
from ..review.permissions import Permission
from . import labels
from . import review_figures_view as view
from . import scope as scope_of
from .edge import Caller, locale_of, read, require, runtime
from .pages import shell, signed_in, templates
from .responders import _now


def _period(request: Request) -> Period:
    text = request.query_params.get("period") or str(
        _now(request).astimezone(runtime(request).settings.tz).year
    )
    try:
        return parse_period(text)
    except (PeriodInvalid, ValueError):
        raise InvalidInput("invalid_period", detail="period") from None


async def _figures(request: Request, caller: Caller, period: Period) -> view.Figures:
    # 督查范围: an inspector's units (with those under them); None for the office's own
    scope = await scope_of.units(request, caller)
    rt = runtime(request)
    now = _now(request)
    async with rt.db.read.connect() as conn:
        units = await conn.run_sync(figures_queries.units)
        found, dispatches, pages = await conn.run_sync(figures_queries.figure_rows, period)
        targets = await conn.run_sync(figures_queries.targets, period.start.year)
        hidden = await conn.run_sync(hidden_for, caller.user.roles)
    if hidden:
        # 回避: for the commission head an incident about him does not exist, in counts as in lists
        # (a count one higher than the incidents he can open would tell him there is one).
        found = [r for r in found if r.incident_id not in hidden]
        dispatches = [r for r in dispatches if r.incident_id not in hidden]
        pages = [r for r in pages if r.incident_id not in hidden]
    tree = Tree.of(units)
    grading, limit = thresholds(rt.settings), close_days(rt.settings)  # the table and the trends alike
    rows = per_unit(
        found,
        dispatches,
        pages,
        tree,
        period,
        now,
        rt.settings.tz,
        scope=scope,
        thresholds=grading,
        close_days=limit,
    )
    return view.Figures(period, now, tree, scope, found, rows, targets, dispatches, pages, limit, grading)


async def figures_api(request: Request) -> Response:
    """The period's figures of every unit the caller may see, each against the year's target."""
    caller = await require(request, Permission.REVIEW_VIEW)
    found = await _figures(request, caller, _period(request))
    return JSONResponse(
        {
            "ok": True,
            "period": found.period.key,
            "units": [
                {
                    "unit_id": u.unit.id,
                    "name": u.unit.name,
                    "depth": u.depth,
                    "figures": {
                        k.value: view.figure_json(f, found.targets.get((u.unit.id, k.value)), found.period)
                        for k, f in u.figures.items()
                    },
                    "by_type": {name: list(f.incidents) for name, f in u.by_type},
                    "by_level": {name: list(f.incidents) for name, f in u.by_level},
                }
                for u in found.rows
            ],
        }
    )


async def targets_page(request: Request) -> Response:
    """目标管理: every unit's figures for the period against the year's targets, the trends of one
    unit over the year, and (for admins) the targets form and import."""
    caller = await signed_in(request, Permission.REVIEW_VIEW)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    period = _period(request)
    found = await _figures(request, caller, period)
    gettext = gettext_for(locale_of(request))
    tz = runtime(request).settings.tz
    shown = [u.unit.id for u in found.rows]
    unit_id = request.query_params.get("unit") or (shown[0] if shown else "")
    if unit_id and unit_id not in shown:
        raise NotFound("unit_not_found")
    table = []
    for u in found.rows:
        cells = []
        for key in FigureKey:
            f = u.figures[key]
            target = found.targets.get((u.unit.id, key.value))
            judged = view.judge(f, target, period)
            cells.append(
                {
                    "key": key.value,
                    "value": view.shown(f, gettext),
                    "href": view.drill_href(period.key, u.unit.id, key.value),
                    "target": view.target_shown(key, target, gettext) if target is not None else "",
                    "verdict": judged.value if judged is not None else "",
                    "verdict_text": gettext(view.VERDICTS[judged]) if judged is not None else "",
                }
            )
        table.append(
            {"unit": u.unit, "depth": u.depth, "cells": cells, "by_type": u.by_type, "by_level": u.by_level}
        )
    selected = next((u for u in found.rows if u.unit.id == unit_id), None)
    year = period.start.year
    levels = {k: gettext(v) for k, v in labels.LEVELS.items()} | {UNGRADED: gettext("Ungraded")}
    can_set = runtime(request).registry.allowed(caller.user.roles, Permission.REVIEW_TARGETS)
    year_targets = await read(request, figures_queries.target_rows, year) if can_set else []
    ctx = shell(
        request,
        caller,
        page="review-targets",
        period=period,
        periods=view.periods_of(year),
        year=year,
        figure_labels={k.value: gettext(v) for k, v in view.FIGURE_LABELS.items()},
        figure_keys=[k.value for k in FigureKey],
        targeted=[k.value for k in TARGETED],
        rates=[k.value for k in TARGETED if SHAPES[k] is Shape.RATE],
        table=table,
        selected=selected,
        unit_id=unit_id,
        levels=levels,
        drill=lambda figure, group="": view.drill_href(period.key, unit_id, figure, group),
        charts=view.charts(found, unit_id, gettext, tz) if period.key == str(year) and unit_id else [],
        can_set=can_set,
        year_targets=year_targets,
        units=[(u.unit.id, u.unit.name, u.depth) for u in found.rows],
        boot={
            "ttext": {
                "saved": gettext("Saved."),
                "not_sent": gettext("Not sent: the console cannot be reached."),
                "row": gettext("Row {n}"),
                "columns": {k: gettext(v) for k, v in view.SHEET_COLUMNS.items()},
            }
        },
    )
    return templates.TemplateResponse(request, "review_targets.html", ctx)


async def _drill(
    request: Request, caller: Caller
) -> tuple[view.Figures, str, FigureKey, str, list[Incident], set[str]]:
    period = _period(request)
    found = await _figures(request, caller, period)
    unit_id = request.query_params.get("unit", "")
    try:
        key = FigureKey(request.query_params.get("figure", ""))
    except ValueError:
        raise InvalidInput("invalid_figure", detail="figure") from None
    group = request.query_params.get("group", "")
    row = next((u for u in found.rows if u.unit.id == unit_id), None)
    if row is None:
        raise NotFound("unit_not_found")
    figure = row.figures[key]
    if group:
        kind, _, name = group.partition(":")
        groups = {"type": dict(row.by_type), "level": dict(row.by_level)}.get(kind)
        if groups is None:
            raise InvalidInput("invalid_figure", detail="group")
        figure = groups.get(name, Figure(key, 0.0))
    ids = set(figure.incidents)
    inside = [
        r for r in in_period(found.incidents, period, runtime(request).settings.tz) if r.incident_id in ids
    ]
    return found, unit_id, key, group, inside, set(figure.hits)


async def drill_api(request: Request) -> Response:
    """The incidents behind one figure of one unit and period (and whether each met it)."""
    caller = await require(request, Permission.REVIEW_VIEW)
    found, unit_id, key, group, inside, hits = await _drill(request, caller)
    return JSONResponse(
        {
            "ok": True,
            "period": found.period.key,
            "unit_id": unit_id,
            "figure": key.value,
            "group": group or None,
            "incidents": [
                {
                    "incident_id": r.incident_id,
                    "number": r.number,
                    "registered_at": r.registered_at.isoformat(),
                    "met": r.incident_id in hits,
                    "review": f"/incidents/{r.incident_id}/review",
                }
                for r in sorted(inside, key=lambda r: r.registered_at)
            ],
        }
    )


async def drill_page(request: Request) -> Response:
    """The incidents behind a figure, each linking to its review."""
    caller = await signed_in(request, Permission.REVIEW_VIEW)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    found, unit_id, key, group, inside, hits = await _drill(request, caller)
    gettext = gettext_for(locale_of(request))
    types = {k: gettext(short) for k, (short, _full) in labels.INCIDENT_TYPES.items()}
    levels = {k: gettext(v) for k, v in labels.LEVELS.items()} | {UNGRADED: gettext("Ungraded")}
    outcomes = {k: gettext(v) for k, v in labels.OUTCOMES.items()}
    row = next(u for u in found.rows if u.unit.id == unit_id)
    ctx = shell(
        request,
        caller,
        page="review-targets",
        period=found.period,
        unit=row.unit,
        figure_label=view.group_label(group, types, levels) if group else gettext(view.FIGURE_LABELS[key]),
        figure_value=view.shown(row.figures[key], gettext) if not group else str(len(inside)),
        key=key.value,
        rate=SHAPES[key] is Shape.RATE,
        incidents=sorted(inside, key=lambda r: r.registered_at),
        hits=hits,
        types=types,
        levels=levels,
        outcomes=outcomes,
        tz=runtime(request).settings.tz,
        back=f"/review/targets?period={found.period.key}&unit={unit_id}",
    )
    return templates.TemplateResponse(request, "review_targets_incidents.html", ctx)


ROUTES = [
    Route("/review/targets", targets_page),
    Route("/review/targets/incidents", drill_page),
    Route("/api/review/figures", figures_api),
    Route("/api/review/figures/incidents", drill_api),
]
ACCESS = {
    ("GET", "/review/targets"): Permission.REVIEW_VIEW,
    ("GET", "/review/targets/incidents"): Permission.REVIEW_VIEW,
    ("GET", "/api/review/figures"): Permission.REVIEW_VIEW,
    ("GET", "/api/review/figures/incidents"): Permission.REVIEW_VIEW,
}
