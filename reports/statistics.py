"""Periodic statistics (seed §5, §25): a month's or a quarter's counts and rates, drafted from the log.

Pure: the incidents of the log (as `IncidentRecord`s, each naming the position of its registration)
and the period in, the figures out, each figure naming the positions it counted. `statistics_draft`
makes them a draft like any report's (stage `statistics`, one figure a line), so it is edited,
approved, frozen, rendered and sent the same way (reports.document lays it out).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from playbooks.engine import evaluate
from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds, IncidentFacts
from playbooks.history import HistoryRecord, ReportFiled
from playbooks.model import PlaybookSnapshot
from playbooks.state import ReportStatus

from .document import Header, ReportDocument, document_of
from .draft import ordinal
from .model import Draft, FieldKey, ReportField, Stage

_PERIOD = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|[Qq]([1-4]))$")


class PeriodInvalid(ValueError):
    """Not a period: a month is 2026-11, a quarter 2026-Q4."""


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
    key: str = ""  # 2026-11 / 2026-Q4: how the command and the CLI name it

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        end = date(year + (month == 12), month % 12 + 1, 1)
        return cls(f"{year}年{month}月", date(year, month, 1), end, f"{year:04d}-{month:02d}")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError("a quarter is 1 to 4")
        first = 3 * (quarter - 1) + 1
        end = date(year + (quarter == 4), (first + 2) % 12 + 1, 1)
        return cls(f"{year}年第{ordinal(quarter)}季度", date(year, first, 1), end, f"{year:04d}-Q{quarter}")

    @classmethod
    def parse(cls, text: str) -> Period:
        """2026-11 (a month) or 2026-Q4 (a quarter); PeriodInvalid otherwise."""
        found = _PERIOD.match(text.strip())
        if found is None or not 2000 <= int(found.group(1)) <= 2999:
            raise PeriodInvalid(text)
        year, month, quarter = found.groups()
        return cls.month(int(year), int(month)) if month else cls.quarter(int(year), int(quarter))

    def ended(self, now: datetime, tz: tzinfo) -> bool:
        """Whether the period is over in the office's dates (its statistics can be drafted)."""
        return now.astimezone(tz).date() >= self.end

    def holds(self, dt: datetime, tz: tzinfo) -> bool:
        return self.start <= dt.astimezone(tz).date() < self.end

    @property
    def quarterly(self) -> bool:
        return "Q" in self.key

    def ended_at(self, tz: tzinfo) -> datetime:
        """The instant the period is over: midnight of its next day in the office's dates."""
        return datetime.combine(self.end, time(), tzinfo=tz)

    def send_by(self, days: int) -> date:
        """The last day to send its statistics: the `days`-th day after the period (5: the 5th)."""
        return self.end + timedelta(days=days - 1)

    def overdue(self, now: datetime, tz: tzinfo, days: int) -> bool:
        """Whether the day to send its statistics has passed in the office's dates."""
        return now.astimezone(tz).date() > self.send_by(days)


def latest_ended(now: datetime, tz: tzinfo, *, months: bool, quarters: bool) -> tuple[Period, ...]:
    """The month (and the quarter) that ended last as of `now`: what the console drafts by itself."""
    local = now.astimezone(tz).date()
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    out: list[Period] = []
    if months:
        out.append(Period.month(year, month))
    if quarters:
        quarter = (local.month - 1) // 3  # the one before the quarter `local` is in (0: last year's Q4)
        out.append(Period.quarter(local.year, quarter) if quarter else Period.quarter(local.year - 1, 4))
    return tuple(out)


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


def _lines(figures: Sequence[Figure]) -> str:
    return "\n".join(f"{f.label}：{f.value}。" for f in figures)


def _field(key: FieldKey, figures: Sequence[Figure], none: str) -> ReportField:
    """One figure a line, each line naming the registrations it counted (none: the text of no line)."""
    if not figures:
        return ReportField(key, none)
    union = tuple(sorted({p for f in figures for p in f.sources}))
    return ReportField(key, _lines(figures), union, lines=tuple(f.sources for f in figures))


def statistics_draft(stats: Statistics, *, through: int, sequence: int = 1) -> Draft:
    """The statistics as a draft: one figure a line under 总体情况 / 按事件类型 / 按响应级别 (each field
    naming the registrations it counted), and the analysis left to the officer (required)."""
    last = stats.period.end - timedelta(days=1)
    start = stats.period.start
    span = f"{start.year}年{start.month}月{start.day}日至{last.year}年{last.month}月{last.day}日。"
    none = "统计期间内无信访突发事件。"
    fields = (
        ReportField(FieldKey.PERIOD, span),
        _field(FieldKey.OVERVIEW, stats.figures, none),
        _field(FieldKey.BY_TYPE, stats.by_type, none),
        _field(FieldKey.BY_LEVEL, stats.by_level, none),
        ReportField(FieldKey.ANALYSIS, "", required=True),
        ReportField(FieldKey.NEXT_STEPS, ""),
    )
    return Draft(
        stage=Stage.STATISTICS,
        sequence=sequence,
        number=stats.period.key,
        title=f"关于{stats.period.label}信访突发事件处置情况的统计报告",
        drill=False,
        fields=fields,
        through=through,
    )


def statistics_document(
    stats: Statistics, header: Header, *, serial: int, at: datetime, tz: tzinfo, signer: str = ""
) -> ReportDocument:
    """The statistics as a report to the Party committee and the higher commission."""
    draft = statistics_draft(stats, through=0)
    return document_of(draft, header, serial=serial, at=at, tz=tz, signer=signer)


def report_timeliness(
    snapshot: PlaybookSnapshot,
    facts: IncidentFacts,
    history: Sequence[HistoryRecord],
    now: datetime,
    thresholds: GradingThresholds = DEFAULT_THRESHOLDS,
) -> tuple[int, int]:
    """(report filings that fell due, of those filed by their deadline) of one run as of `now`.

    Each filing is judged against the deadline it had just before it was filed; an obligation still
    open past its deadline counts as due and late; one not yet due does not count."""
    due = on_time = 0
    ordered = sorted(history, key=lambda r: r.at)
    for record in ordered:
        if not isinstance(record, ReportFiled) or record.at > now:
            continue
        before = [r for r in ordered if r.at < record.at]
        if not before:
            continue
        at = max(record.at - timedelta(microseconds=1), before[0].at)
        try:
            deadline = evaluate(snapshot, facts, before, at, thresholds).report(record.obligation_id).due_at
        except KeyError:
            continue
        if deadline is None:
            continue
        due += 1
        on_time += record.at <= deadline
    final = evaluate(snapshot, facts, [r for r in ordered if r.at <= now], now, thresholds)
    # Overdue as the run stands (a closed run is judged as it stood at the close, but for the 终报).
    due += sum(1 for r in final.reports if r.status is ReportStatus.OVERDUE)
    return due, on_time
