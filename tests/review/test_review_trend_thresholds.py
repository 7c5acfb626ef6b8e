"""The targets page's trend charts count 集体访 by the office's thresholds (CONSOLE_GRADE_*), as its table
does: a sit-in of 4 people is a collective visit where the office set the line at 3, not by default (5)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from console.web import review_figures_view as view
from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds
from review.figures import FigureKey, Incident, Tree, Unit, parse_period

TZ = ZoneInfo("Asia/Shanghai")
MARCH = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
SIT_IN_OF_FOUR = Incident(
    incident_id="i1",
    number="XF-2026-0001",
    unit_id="county",
    registered_at=MARCH,
    type="sit_in",
    head_count=4,
    drill=False,
    cross_level=False,
    repeat=False,
    level="general",
    closed_at=None,
    outcome=None,
)


def march_collective(thresholds: GradingThresholds) -> str:
    """The 集体访 chart's March point, as its tooltip writes it (month, value)."""
    tree = Tree.of([Unit("county", "县", None)])
    found = view.Figures(
        parse_period("2026"), NOW, tree, None, [SIT_IN_OF_FOUR], [], {}, [], [], 60, thresholds
    )
    svgs = dict(zip(view.CHARTS, view.charts(found, "county", lambda s: s, TZ), strict=True))
    points: list[str] = re.findall(r"<title>([^<]*)</title>", svgs[FigureKey.COLLECTIVE])
    return next(p for p in points if p.startswith("3 "))


def test_the_collective_trend_counts_by_the_offices_head_count() -> None:
    assert march_collective(DEFAULT_THRESHOLDS) == "3 0"
    assert march_collective(GradingThresholds(head_count_collective=3)) == "3 1"
