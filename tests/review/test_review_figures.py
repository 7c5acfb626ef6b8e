"""The §25 figures' pure core, table-driven: what each figure counts, per unit down the tree, the
verdicts against targets, the periods, the import sheet's checks and the trend chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports.statistics import Period, PeriodInvalid
from review import figures_chart, figures_import
from review.figures import (
    Figure,
    FigureKey,
    Filing,
    Incident,
    Response,
    Tree,
    Unit,
    Verdict,
    figures_of,
    parse_period,
    per_unit,
    trend,
    verdict,
)

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def _incident(n: int, **kw: object) -> Incident:
    base: dict[str, object] = {
        "incident_id": f"i{n}",
        "number": f"XF-2026-{n:04d}",
        "unit_id": "county",
        "registered_at": T0 + timedelta(days=n),
        "type": "sit_in",
        "head_count": 3,
        "drill": False,
        "cross_level": False,
        "repeat": False,
        "level": "general",
    }
    return Incident(**{**base, **kw})  # type: ignore[arg-type]


NOW = T0 + timedelta(days=90)
CLOSED = {"closed_at": T0 + timedelta(days=2), "outcome": "resolved"}


@pytest.mark.parametrize(
    ("incidents", "key", "parts", "hits"),
    [
        # 按期结案率: closed by registration + 60 days; open past them counts, open within them not
        ([_incident(1, **CLOSED)], FigureKey.ON_TIME_CLOSURE, (1, 1), ["i1"]),
        (
            [_incident(1, closed_at=T0 + timedelta(days=70), outcome="resolved")],
            FigureKey.ON_TIME_CLOSURE,
            (0, 1),
            [],
        ),
        ([_incident(1)], FigureKey.ON_TIME_CLOSURE, (0, 1), []),  # open, 89 days in
        ([_incident(1, registered_at=NOW - timedelta(days=5))], FigureKey.ON_TIME_CLOSURE, (0, 0), []),
        # 初信初访办结率: a repeat petitioner's is no first visit; only 已化解 counts as resolved
        (
            [_incident(1, **CLOSED), _incident(2, repeat=True, **CLOSED)],
            FigureKey.FIRST_VISIT,
            (1, 1),
            ["i1"],
        ),
        ([_incident(1, closed_at=T0, outcome="sent_up"), _incident(2)], FigureKey.FIRST_VISIT, (0, 2), []),
        # 按时报送率: filings against their deadline, open obligations once past theirs
        (
            [
                _incident(1, filings=(Filing(T0 + timedelta(minutes=15), T0 + timedelta(minutes=5)),)),
                _incident(
                    2, filings=(Filing(T0, T0 + timedelta(minutes=1)),), open_reports=(T0, NOW + timedelta(1))
                ),
            ],
            FigureKey.REPORTS_ON_TIME,
            (1, 3),
            ["i1"],
        ),
        # drills never count
        ([_incident(1, drill=True, **CLOSED)], FigureKey.ON_TIME_CLOSURE, (0, 0), []),
    ],
)
def test_rates_count_what_their_definition_says(
    incidents: list[Incident], key: FigureKey, parts: tuple[int, int], hits: list[str]
) -> None:
    figure = figures_of(incidents, [], [], NOW)[key]
    assert (figure.numerator, figure.denominator) == parts
    assert list(figure.hits) == hits
    assert figure.value == (parts[0] / parts[1] if parts[1] else None)


def test_counts_and_medians_leave_drills_out() -> None:
    rs = [
        _incident(1, head_count=60),  # 集体访 by head count
        _incident(2, type="cross_level_visit", cross_level=True),
        _incident(3, repeat=True),
        _incident(4, head_count=80, drill=True),
    ]
    sent = [
        Response("i1", T0, T0 + timedelta(minutes=9)),
        Response("i2", T0, T0 + timedelta(minutes=20)),
        Response("i3", T0, None),  # never arrived: not in the median
        Response("i4", T0, T0 + timedelta(minutes=1)),  # the drill's
    ]
    paged = [Response("i1", T0, T0 + timedelta(minutes=3))]
    f = figures_of(rs, sent, paged, NOW)
    assert f[FigureKey.INCIDENTS].value == 3
    assert f[FigureKey.COLLECTIVE].incidents == ("i1", "i2")
    assert f[FigureKey.CROSS_LEVEL].incidents == ("i2",) and f[FigureKey.REPEAT].incidents == ("i3",)
    assert f[FigureKey.ARRIVAL].value == 14.5 and f[FigureKey.ARRIVAL].incidents == ("i1", "i2")
    assert f[FigureKey.PAGE_ACK].value == 3.0


def test_a_unit_counts_its_own_and_those_below_it_and_an_inspector_sees_their_units() -> None:
    tree = Tree.of([Unit("county", "县", None), Unit("town", "镇", "county"), Unit("office", "室", "county")])
    assert tree.order == (("county", 0), ("town", 1), ("office", 1))  # siblings as given
    rs = [_incident(1, unit_id="town"), _incident(2, unit_id="office"), _incident(3)]
    period = Period.month(2026, 3)
    rows = per_unit(rs, [], [], tree, period, NOW, TZ)
    assert {u.unit.id: u.figures[FigureKey.INCIDENTS].value for u in rows} == {
        "county": 3,
        "office": 1,
        "town": 1,
    }
    scoped = per_unit(rs, [], [], tree, period, NOW, TZ, scope=frozenset({"town"}))
    assert [u.unit.id for u in scoped] == ["town"]
    # the period's dates are the office's: 23:30 on the last of February in Beijing is February's
    late_feb = _incident(9, registered_at=datetime(2026, 2, 28, 15, 30, tzinfo=UTC))
    march = per_unit([late_feb], [], [], tree, period, NOW, TZ)[0]
    assert march.figures[FigureKey.INCIDENTS].value == 0


@pytest.mark.parametrize(
    ("key", "value", "target", "period", "expected"),
    [
        (FigureKey.ON_TIME_CLOSURE, 0.9, 0.9, "2026-03", Verdict.MET),
        (FigureKey.ON_TIME_CLOSURE, 0.89, 0.9, "2026", Verdict.NOT_MET),
        (FigureKey.ON_TIME_CLOSURE, None, 0.9, "2026", Verdict.NO_DATA),
        (FigureKey.COLLECTIVE, 2.0, 1.0, "2026", Verdict.NOT_MET),
        (FigureKey.COLLECTIVE, 1.0, 1.0, "2026", Verdict.MET),
        (FigureKey.COLLECTIVE, 0.0, 1.0, "2026-Q1", Verdict.NOT_COMPARABLE),
        (FigureKey.ARRIVAL, 12.0, 15.0, "2026-03", Verdict.MET),
        (FigureKey.ARRIVAL, 16.0, 15.0, "2026-03", Verdict.NOT_MET),
    ],
)
def test_verdicts(key: FigureKey, value: float | None, target: float, period: str, expected: Verdict) -> None:
    assert verdict(Figure(key, value), target, parse_period(period)) is expected


@pytest.mark.parametrize("text", ["2026-13", "1999", "26", "2026-Q5", "", "二〇二六"])
def test_a_period_is_a_year_a_quarter_or_a_month(text: str) -> None:
    with pytest.raises(PeriodInvalid):
        parse_period(text)


def test_periods() -> None:
    assert (parse_period("2026").start.month, parse_period("2026").end.year) == (1, 2027)
    assert parse_period("2026-q4").key == "2026-Q4" and parse_period("2026-11").label == "2026年11月"


UNITS = {"county": "county", "县纪委监委": "county", "town": "town", "城关镇": "town"}


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        ("年度,单位,指标,目标值\n2026,城关镇,按期结案率,95\n2026,county,collective,2\n", set()),
        ("year,unit,figure,value\n2026,mars,按期结案率,95\n", {(2, "unit")}),
        (
            "year,unit,figure,value\n2026,town,按期结案率,150\n2026,town,集体访,1.5\n",
            {(2, "value"), (3, "value")},
        ),
        ("year,unit,figure,value\n2026,town,incidents,1\n", {(2, "figure")}),  # no target for the total
        ("year,unit,figure,value\n26,town,集体访,1\n2026,town,集体访,x\n", {(2, "year"), (3, "value")}),
        ("year,unit,figure,value\n2026,town,集体访,1\n2026,城关镇,collective,2\n", {(3, "figure")}),  # twice
        ("year,unit,value\n2026,town,1\n", {(1, "figure")}),
        ("year,unit,figure,value\n", {(0, None)}),
    ],
)
def test_the_import_sheet_is_all_rows_or_none(text: str, errors: set[tuple[int, str | None]]) -> None:
    rows, found = figures_import.parse(text, UNITS)
    assert {(e.row, e.column) for e in found} == errors
    assert bool(rows) == (not errors)
    assert all(e.message and e.message_zh for e in found)


def test_the_trend_runs_month_by_month_until_now_and_the_chart_links_each_month() -> None:
    rs = [_incident(1, **CLOSED), _incident(40)]
    months = trend(rs, [], [], frozenset({"county"}), 2026, T0 + timedelta(days=45), TZ)
    assert [m.key for m, _ in months] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert [f[FigureKey.INCIDENTS].value for _, f in months] == [0, 0, 1, 1]
    points = [
        figures_chart.Point(str(m.start.month), f[FigureKey.ON_TIME_CLOSURE].value, True) for m, f in months
    ]
    svg = figures_chart.render("按期结案率", points, rate=True, bars=False, target=0.9, target_label="目标")
    assert svg.startswith("<svg") and svg.count('class="dot"') == 1 and 'class="target"' in svg
    assert "<title>3 100%</title>" in svg and "目标 90%" in svg
    bars = figures_chart.render("集体访", points, rate=False, bars=True)
    assert bars.count('class="bar"') == 1
