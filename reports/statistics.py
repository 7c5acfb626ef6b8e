"""Periodic statistics (seed §5, §25): a month's or a quarter's counts and rates, drafted from the log.

Pure: the incidents of the log (as `IncidentRecord`s, each naming the position of its registration)
and the period in, the figures out, each figure naming the positions it counted. The document is laid
out like any report (reports.document), so it renders, is approved and frozen the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from .document import Header, Paragraph, ReportDocument, Section, date_of
from .draft import ordinal


@dataclass(frozen=True)
class IncidentRecord:
    """One incident as the statistics read it."""

    position: int  # its registration in the log
    registered_at: datetime
    type_label: str
    level_label: str
    collective: bool  # 集体访 (by type or head count)
    cross_level: bool  # 越级
    drill: bool
    first_response_minutes: float | None  # registration to the first arrival on scene
    reports_due: int  # report obligations that fell due
    reports_on_time: int  # of those, sent before their deadline


@dataclass(frozen=True)
class Period:
    """A month or a quarter, [start, end) in the office's local dates."""

    label: str  # 2026年11月 / 2026年第四季度
    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        end = date(year + (month == 12), month % 12 + 1, 1)
        return cls(f"{year}年{month}月", date(year, month, 1), end)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError("a quarter is 1 to 4")
        first = 3 * (quarter - 1) + 1
        end = date(year + (quarter == 4), (first + 2) % 12 + 1, 1)
        return cls(f"{year}年第{ordinal(quarter)}季度", date(year, first, 1), end)

    def holds(self, dt: datetime, tz: tzinfo) -> bool:
        return self.start <= dt.astimezone(tz).date() < self.end


@dataclass(frozen=True)
class Figure:
    """One number of the statistics and the registrations it counted."""

    label: str
    value: str
    sources: tuple[int, ...]


@dataclass(frozen=True)
class Statistics:
    period: Period
    figures: tuple[Figure, ...]
    by_type: tuple[Figure, ...]
    by_level: tuple[Figure, ...]


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def build_statistics(records: Sequence[IncidentRecord], period: Period, tz: tzinfo) -> Statistics:
    """The period's figures; drills are left out (they are not incidents)."""
    inside = [r for r in records if not r.drill and period.holds(r.registered_at, tz)]

    def positions(rs: Sequence[IncidentRecord]) -> tuple[int, ...]:
        return tuple(sorted(r.position for r in rs))

    collective = [r for r in inside if r.collective]
    cross = [r for r in inside if r.cross_level]
    due = sum(r.reports_due for r in inside)
    on_time = sum(r.reports_on_time for r in inside)
    responded = [r for r in inside if r.first_response_minutes is not None]
    mean = sum(r.first_response_minutes or 0 for r in responded) / len(responded) if responded else None
    figures = (
        Figure("突发事件总数", f"{len(inside)}起", positions(inside)),
        Figure("集体访", f"{len(collective)}起", positions(collective)),
        Figure("越级集体访", f"{len(cross)}起", positions(cross)),
        Figure(
            "按时报送率",
            f"{_rate(on_time, due)}（{on_time}/{due}）",
            positions([r for r in inside if r.reports_due]),
        ),
        Figure(
            "平均到场时间",
            f"{mean:.0f}分钟" if mean is not None else "—",
            positions(responded),
        ),
    )

    def grouped(key: str) -> tuple[Figure, ...]:
        counts = Counter(getattr(r, key) for r in inside)
        return tuple(
            Figure(name, f"{n}起", positions([r for r in inside if getattr(r, key) == name]))
            for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        )

    return Statistics(period, figures, grouped("type_label"), grouped("level_label"))


def statistics_document(
    stats: Statistics, header: Header, *, serial: int, at: datetime, tz: tzinfo, signer: str = ""
) -> ReportDocument:
    """The statistics as a report to the Party committee and the higher commission."""

    def paragraphs(figures: Sequence[Figure]) -> tuple[Paragraph, ...]:
        return tuple(
            Paragraph(f"（{ordinal(i + 1)}）{f.label}。", f"{f.value}。") for i, f in enumerate(figures)
        )

    last = stats.period.end - timedelta(days=1)
    start = stats.period.start
    span = f"{start.year}年{start.month}月{start.day}日至{last.year}年{last.month}月{last.day}日。"
    parts = [("统计期间", (Paragraph("", span),)), ("总体情况", paragraphs(stats.figures))]
    if stats.by_type:
        parts.append(("按事件类型", paragraphs(stats.by_type)))
    if stats.by_level:
        parts.append(("按响应级别", paragraphs(stats.by_level)))
    sections = tuple(Section(f"{ordinal(i + 1)}、{title}", paras) for i, (title, paras) in enumerate(parts))
    year = at.astimezone(tz).year
    return ReportDocument(
        template="document",
        organ=header.organ,
        organ_short=header.organ_short,
        doc_number=f"{header.number_prefix}〔{year}〕{serial or '　'}号",
        signer=signer,
        title=f"关于{stats.period.label}信访突发事件处置情况的统计报告",
        addressees=header.addressees,
        sections=sections,
        date=date_of(at, tz),
        copies=header.copies,
        printed_on=date_of(at, tz),
        witness="",
        drill=False,
        version=1,
    )
