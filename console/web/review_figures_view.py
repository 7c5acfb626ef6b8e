"""How the targets page shows the §25 figures: their names, values, targets, verdicts and charts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from playbooks.facts import GradingThresholds
from reports.statistics import Period
from review import figures_chart
from review.figures import (
    SHAPES,
    Figure,
    FigureKey,
    Incident,
    Shape,
    Tree,
    UnitFigures,
    Verdict,
    parse_period,
    trend,
    verdict,
)

from ..i18n import N_

FIGURE_LABELS: dict[FigureKey, str] = {
    FigureKey.INCIDENTS: N_("Incidents"),
    FigureKey.ON_TIME_CLOSURE: N_("On-time closure rate"),
    FigureKey.FIRST_VISIT: N_("First-visit resolution rate"),
    FigureKey.COLLECTIVE: N_("Collective visits"),
    FigureKey.CROSS_LEVEL: N_("Cross-level visits"),
    FigureKey.REPEAT: N_("Repeat visits"),
    FigureKey.REPORTS_ON_TIME: N_("Reports on time"),
    FigureKey.ARRIVAL: N_("Dispatch to on scene (median)"),
    FigureKey.PAGE_ACK: N_("Page to acknowledged (median)"),
}
VERDICTS: dict[Verdict, str] = {
    Verdict.MET: N_("Met"),
    Verdict.NOT_MET: N_("Not met"),
    Verdict.NO_DATA: N_("No data"),
    Verdict.NOT_COMPARABLE: "—",
}
# The import sheet's columns, as a refused row names them.
SHEET_COLUMNS = {"year": N_("Year"), "unit": N_("Unit"), "figure": N_("Figure"), "value": N_("Target value")}
# The charts: rates and times as lines (with the year's target), counts as bars.
CHARTS = (
    FigureKey.ON_TIME_CLOSURE,
    FigureKey.FIRST_VISIT,
    FigureKey.REPORTS_ON_TIME,
    FigureKey.ARRIVAL,
    FigureKey.PAGE_ACK,
    FigureKey.COLLECTIVE,
    FigureKey.CROSS_LEVEL,
    FigureKey.REPEAT,
)


@dataclass(frozen=True)
class Figures:
    """A period's figures as one request read and computed them (the rows behind them kept for trends)."""

    period: Period
    now: datetime
    tree: Tree
    scope: frozenset[str] | None
    incidents: list[Incident]
    rows: list[UnitFigures]
    targets: dict[tuple[str, str], float]
    dispatches: list[Any]
    pages: list[Any]
    close_days: int  # 按期结案 limit (CONSOLE_REVIEW_CLOSE_DAYS): the trends judge closure by it too
    thresholds: GradingThresholds  # CONSOLE_GRADE_*: the trends count 集体访 by them too


def shown(figure: Figure, gettext: Callable[[str], str]) -> str:
    """The figure as the page writes it: 86.7%（26/30）, 12.0 分钟, 3, or — when nothing counts."""
    if figure.value is None:
        return "—"
    shape = SHAPES[figure.key]
    if shape is Shape.RATE:
        return f"{figure.value * 100:.1f}%（{figure.numerator}/{figure.denominator}）"
    if shape is Shape.MINUTES:
        return gettext("{m} min").format(m=f"{figure.value:.1f}")
    return str(int(figure.value))


def target_shown(key: FigureKey, value: float, gettext: Callable[[str], str]) -> str:
    """The target as a floor (≥ 95%) or a ceiling (≤ 2, ≤ 20 分钟)."""
    shape = SHAPES[key]
    if shape is Shape.RATE:
        return f"≥ {value:g}%"
    if shape is Shape.MINUTES:
        return "≤ " + gettext("{m} min").format(m=f"{value:g}")
    return f"≤ {value:g}"


def judge(figure: Figure, target: float | None, period: Period) -> Verdict | None:
    """The verdict against the year's target (None: no target set)."""
    if target is None:
        return None
    # A rate's target is in percent; the figure is a share.
    scaled = target / 100 if SHAPES[figure.key] is Shape.RATE else target
    return verdict(figure, scaled, period)


def figure_json(figure: Figure, target: float | None, period: Period) -> dict[str, Any]:
    """The figure, its parts, the incidents behind it, its target and verdict, for the API."""
    judged = judge(figure, target, period)
    return {
        "value": figure.value,
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "incidents": list(figure.incidents),
        "hits": list(figure.hits),
        "target": target,
        "verdict": judged.value if judged is not None else None,
    }


def drill_href(period: str, unit_id: str, figure: str, group: str = "") -> str:
    """The page listing the incidents behind a figure."""
    query = {"period": period, "unit": unit_id, "figure": figure, **({"group": group} if group else {})}
    return "/review/targets/incidents?" + urlencode(query)


def charts(found: Figures, unit_id: str, gettext: Callable[[str], str], tz: Any) -> list[str]:
    """The unit's trend charts over the year, month by month (none unless the period is a year)."""
    year = found.period.start.year
    units = found.tree.below.get(unit_id, frozenset())
    months = (
        trend(
            found.incidents,
            found.dispatches,
            found.pages,
            units,
            year,
            found.now,
            tz,
            thresholds=found.thresholds,
            close_days=found.close_days,
        )
        if found.period.key == str(year)
        else []
    )
    out = []
    for key in CHARTS:
        target = found.targets.get((unit_id, key.value))
        shape = SHAPES[key]
        points = []
        for month, figs in months:
            f = figs[key]
            judged = judge(f, target, month) if shape is not Shape.COUNT else None
            met = None if judged in (None, Verdict.NO_DATA, Verdict.NOT_COMPARABLE) else judged is Verdict.MET
            points.append(
                figures_chart.Point(
                    str(month.start.month),
                    f.value,
                    met,
                )
            )
        line_target = None
        if target is not None and shape is not Shape.COUNT:
            line_target = target / 100 if shape is Shape.RATE else target
        out.append(
            figures_chart.render(
                gettext(FIGURE_LABELS[key]),
                points,
                rate=shape is Shape.RATE,
                bars=shape is Shape.COUNT,
                target=line_target,
                target_label=gettext("Target"),
            )
        )
    return out


def periods_of(year: int) -> list[tuple[str, str]]:
    """The year, its quarters and its months, as the period picker offers them."""
    keys = [str(year), *(f"{year}-Q{q}" for q in range(1, 5)), *(f"{year}-{m:02d}" for m in range(1, 13))]
    return [(k, parse_period(k).label) for k in keys]


def group_label(group: str, types: dict[str, str], levels: dict[str, str]) -> str:
    """The name of a by-type (type:T) or by-level (level:L) group."""
    kind, _, name = group.partition(":")
    return (types if kind == "type" else levels).get(name, name)
