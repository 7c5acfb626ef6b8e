"""Periodic statistics: a month's and a quarter's counts and rates, each naming what it counted."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from reports.demo import DEMO_HEADER, TZ
from reports.statistics import IncidentRecord, Period, build_statistics, statistics_document


def _record(position: int, day: int, month: int = 11, **changes: object) -> IncidentRecord:
    values: dict[str, object] = {
        "position": position,
        "registered_at": datetime(2026, month, day, 2, 0, tzinfo=UTC),
        "type_label": "静坐、围堵",
        "level_label": "一般",
        "collective": False,
        "cross_level": False,
        "drill": False,
        "first_response_minutes": None,
        "reports_due": 0,
        "reports_on_time": 0,
    }
    values.update(changes)
    return IncidentRecord(**values)  # type: ignore[arg-type]


RECORDS = [
    _record(10, 3, collective=True, first_response_minutes=12, reports_due=2, reports_on_time=2),
    _record(
        20,
        9,
        type_label="集体访",
        collective=True,
        cross_level=True,
        first_response_minutes=30,
        reports_due=2,
        reports_on_time=1,
        level_label="较大",
    ),
    _record(30, 15, drill=True, collective=True),  # a drill is not counted
    _record(40, 2, month=12),  # another month
    # 00:30 on 1 December in Beijing is still 30 November in UTC: the office's dates decide.
    _record(50, 30, registered_at=datetime(2026, 11, 30, 16, 30, tzinfo=UTC)),
]


def test_a_month_counts_its_incidents_in_the_offices_dates() -> None:
    stats = build_statistics(RECORDS, Period.month(2026, 11), TZ)
    figures = {f.label: f for f in stats.figures}
    assert figures["突发事件总数"].value == "2起" and figures["突发事件总数"].sources == (10, 20)
    assert figures["集体访"].value == "2起"
    assert figures["越级集体访"].value == "1起" and figures["越级集体访"].sources == (20,)
    assert figures["按时报送率"].value == "75.0%（3/4）"
    assert figures["平均到场时间"].value == "21分钟"
    assert [(f.label, f.value) for f in stats.by_level] == [("一般", "1起"), ("较大", "1起")]
    december = build_statistics(RECORDS, Period.month(2026, 12), TZ)
    assert {f.label: f for f in december.figures}["突发事件总数"].sources == (40, 50)


@pytest.mark.parametrize(
    ("quarter", "start", "end", "label"),
    [
        (1, date(2026, 1, 1), date(2026, 4, 1), "2026年第一季度"),
        (4, date(2026, 10, 1), date(2027, 1, 1), "2026年第四季度"),
    ],
)
def test_quarters(quarter: int, start: date, end: date, label: str) -> None:
    period = Period.quarter(2026, quarter)
    assert (period.start, period.end, period.label) == (start, end, label)


def test_the_statistics_are_laid_out_as_a_report() -> None:
    stats = build_statistics(RECORDS, Period.quarter(2026, 4), TZ)
    doc = statistics_document(stats, DEMO_HEADER, serial=9, at=datetime(2027, 1, 3, tzinfo=UTC), tz=TZ)
    assert doc.title == "关于2026年第四季度信访突发事件处置情况的统计报告"
    assert [s.heading for s in doc.sections] == [
        "一、统计期间",
        "二、总体情况",
        "三、按事件类型",
        "四、按响应级别",
    ]
    assert doc.sections[0].paragraphs[0].text == "2026年10月1日至2026年12月31日。"
    assert doc.doc_number == "县纪发〔2027〕9号"


def test_periods_are_named_as_the_command_and_the_cli_take_them() -> None:
    from reports.statistics import PeriodInvalid

    assert Period.parse("2026-11") == Period.month(2026, 11)
    assert Period.parse("2026-q4") == Period.quarter(2026, 4)
    assert (Period.month(2026, 11).key, Period.quarter(2026, 4).key) == ("2026-11", "2026-Q4")
    for bad in ("2026-13", "2026-Q5", "26-11", "2026-1", "1999-01", "November"):
        with pytest.raises(PeriodInvalid):
            Period.parse(bad)
    # Over once the office's next day has begun: 1 December 00:30 in Beijing is still 30 November in UTC.
    november = Period.month(2026, 11)
    assert november.ended(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), TZ)
    assert not november.ended(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), TZ)


def test_the_statistics_draft_is_a_report_the_officer_completes() -> None:
    from reports.document import document_of
    from reports.model import FieldKey, Stage
    from reports.statistics import statistics_draft

    stats = build_statistics(RECORDS, Period.month(2026, 11), TZ)
    draft = statistics_draft(stats, through=99)
    assert (draft.stage, draft.number, draft.drill, draft.through) == (Stage.STATISTICS, "2026-11", False, 99)
    overview = draft.field(FieldKey.OVERVIEW)
    assert overview is not None and overview.sources == (10, 20)
    # One figure a line, each with the registrations it counted: 越级 is 20 alone, 到场 both.
    assert overview.lines == ((10, 20), (10, 20), (20,), (10, 20), (10, 20))
    assert overview.text.splitlines()[3] == "按时报送率：75.0%（3/4）。"
    assert draft.missing == (FieldKey.ANALYSIS,)  # the analysis is the officer's
    done = draft.edited({FieldKey.ANALYSIS: "集体访有所上升。\n需加强排查。"})
    kept = done.field(FieldKey.OVERVIEW)
    assert kept is not None and kept.lines == overview.lines  # untouched fields keep their figures
    rewritten = draft.edited({FieldKey.OVERVIEW: "共2起。"}).field(FieldKey.OVERVIEW)
    assert rewritten is not None and rewritten.lines == () and rewritten.sources == (10, 20)
    doc = document_of(done, DEMO_HEADER, serial=3, at=datetime(2026, 12, 2, tzinfo=UTC), tz=TZ)
    assert [s.heading for s in doc.sections] == [
        "一、统计期间",
        "二、总体情况",
        "三、按事件类型",
        "四、按响应级别",
        "五、情况分析",
    ]
    total = doc.sections[1].paragraphs[0]
    assert (total.heading, total.text) == ("（一）突发事件总数。", "2起。")
    assert [p.text for p in doc.sections[4].paragraphs] == ["集体访有所上升。", "需加强排查。"]
    assert all(p.heading == "" for p in doc.sections[4].paragraphs)


def test_the_periods_that_ended_last_are_what_the_console_drafts_by_itself() -> None:
    from reports.statistics import latest_ended

    def keys(when: datetime, *, months: bool = True, quarters: bool = True) -> list[str]:
        return [p.key for p in latest_ended(when, TZ, months=months, quarters=quarters)]

    # 1 January 00:30 in Beijing is 31 December in UTC: December and the year's last quarter are over.
    assert keys(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == ["2026-12", "2026-Q4"]
    assert keys(datetime(2026, 12, 31, 15, 30, tzinfo=UTC)) == ["2026-11", "2026-Q3"]
    assert keys(datetime(2027, 2, 14, tzinfo=UTC)) == ["2027-01", "2026-Q4"]
    assert keys(datetime(2027, 4, 1, 1, tzinfo=UTC), months=False) == ["2027-Q1"]
    assert keys(datetime(2027, 4, 1, 1, tzinfo=UTC), quarters=False) == ["2027-03"]


def test_statistics_are_sent_by_a_day_after_their_period() -> None:
    november, q4 = Period.month(2026, 11), Period.quarter(2026, 4)
    assert november.ended_at(TZ) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert (november.send_by(5), q4.send_by(10)) == (date(2026, 12, 5), date(2027, 1, 10))
    # Late once the 5th is over in the office's dates: 6 December 00:30 in Beijing, not before.
    assert not november.overdue(datetime(2026, 12, 5, 15, 30, tzinfo=UTC), TZ, 5)
    assert november.overdue(datetime(2026, 12, 5, 16, 30, tzinfo=UTC), TZ, 5)
    assert (november.quarterly, q4.quarterly) == (False, True)
