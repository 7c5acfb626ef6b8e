"""目标管理 (seed §25): the figures of a period per unit, what each counts, and the targets they meet.

Pure: the incidents as the figures projection holds them (`Incident`), the responses behind the
response times (`Response`), the organisation's units and the period in, the figures out, each naming
the incidents behind it so the page can list them. Drills never count. The definitions are those of
the periodic statistics (`reports.statistics`) where both count the same thing: 集体访, 越级集体访, the
response level, 按时报送率 (`report_record` keeps what `report_timeliness` judges, filing by filing).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds
from reports.statistics import Period, PeriodInvalid

# 《信访工作条例》第三十二条: a petition matter is concluded within 60 days of its acceptance.
CLOSE_DAYS = 60
UNGRADED = "ungraded"  # 未分级: no playbook graded it
COLLECTIVE_TYPES = frozenset({"collective_visit", "cross_level_visit"})
_YEAR = re.compile(r"^(\d{4})$")


class FigureKey(StrEnum):
    INCIDENTS = "incidents"  # 突发事件总数
    ON_TIME_CLOSURE = "on_time_closure"  # 按期结案率
    FIRST_VISIT = "first_visit"  # 初信初访办结率
    COLLECTIVE = "collective"  # 集体访
    CROSS_LEVEL = "cross_level"  # 越级访
    REPEAT = "repeat"  # 重复访
    REPORTS_ON_TIME = "reports_on_time"  # 按时报送率
    ARRIVAL = "arrival"  # 派遣到场时间（中位数，分钟）
    PAGE_ACK = "page_ack"  # 告警确认时间（中位数，分钟）


class Shape(StrEnum):
    COUNT = "count"
    RATE = "rate"  # a share, 0..1
    MINUTES = "minutes"  # a median


SHAPES: dict[FigureKey, Shape] = {
    FigureKey.INCIDENTS: Shape.COUNT,
    FigureKey.ON_TIME_CLOSURE: Shape.RATE,
    FigureKey.FIRST_VISIT: Shape.RATE,
    FigureKey.COLLECTIVE: Shape.COUNT,
    FigureKey.CROSS_LEVEL: Shape.COUNT,
    FigureKey.REPEAT: Shape.COUNT,
    FigureKey.REPORTS_ON_TIME: Shape.RATE,
    FigureKey.ARRIVAL: Shape.MINUTES,
    FigureKey.PAGE_ACK: Shape.MINUTES,
}
# What a target asks: rates at least so much; counts and times at most so much (seed §25: raise the
# rates, reduce cross-level, repeat and collective visits).
TARGETED = (
    FigureKey.ON_TIME_CLOSURE,
    FigureKey.FIRST_VISIT,
    FigureKey.REPORTS_ON_TIME,
    FigureKey.COLLECTIVE,
    FigureKey.CROSS_LEVEL,
    FigureKey.REPEAT,
    FigureKey.ARRIVAL,
    FigureKey.PAGE_ACK,
)


def at_least(key: FigureKey) -> bool:
    """Whether the target of this figure is a floor (rates) rather than a ceiling (counts, times)."""
    return SHAPES[key] is Shape.RATE


# --- periods ------------------------------------------------------------------------------------


def year_period(year: int) -> Period:
    return Period(f"{year}年", date(year, 1, 1), date(year + 1, 1, 1), f"{year:04d}")


def parse_period(text: str) -> Period:
    """2026 (a year), 2026-Q4 (a quarter) or 2026-11 (a month); PeriodInvalid otherwise."""
    found = _YEAR.match(text.strip())
    if found is not None:
        year = int(found.group(1))
        if not 2000 <= year <= 2999:
            raise PeriodInvalid(text)
        return year_period(year)
    return Period.parse(text)


def months_of(year: int) -> list[Period]:
    return [Period.month(year, m) for m in range(1, 13)]


# --- what the projection holds --------------------------------------------------------------------


@dataclass(frozen=True)
class Filing:
    """One report filing (报送) and the deadline it had just before it was filed."""

    due_at: datetime
    filed_at: datetime


@dataclass(frozen=True)
class Incident:
    """One incident as the figures read it (a row of `review_fig_incidents`, its unit resolved)."""

    incident_id: str
    number: str
    unit_id: str
    registered_at: datetime
    type: str
    head_count: int
    drill: bool
    cross_level: bool
    repeat: bool
    level: str
    closed_at: datetime | None = None
    outcome: str | None = None
    filings: tuple[Filing, ...] = ()
    open_reports: tuple[datetime, ...] = ()  # deadlines of the obligations not filed yet


@dataclass(frozen=True)
class Response:
    """A dispatch until on scene, or a page until acknowledged (`done_at` None: not yet)."""

    incident_id: str
    started_at: datetime
    done_at: datetime | None


# --- the figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure: its value, and for a rate its parts; `incidents` are those behind it (the whole
    of a rate, the ones counted of a count, those with a response of a time), `hits` those that met
    it (closed on time, resolved, every report on time)."""

    key: FigureKey
    value: float | None
    numerator: int | None = None
    denominator: int | None = None
    incidents: tuple[str, ...] = ()
    hits: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    parent_id: str | None


@dataclass(frozen=True)
class UnitFigures:
    unit: Unit
    depth: int
    figures: dict[FigureKey, Figure]
    by_type: tuple[tuple[str, Figure], ...]
    by_level: tuple[tuple[str, Figure], ...]


def _ids(rs: Iterable[Incident]) -> tuple[str, ...]:
    return tuple(sorted(r.incident_id for r in rs))


def _rate(key: FigureKey, whole: Sequence[Incident], part: Sequence[Incident]) -> Figure:
    value = len(part) / len(whole) if whole else None
    return Figure(key, value, len(part), len(whole), _ids(whole), _ids(part))


def _count(key: FigureKey, counted: Sequence[Incident]) -> Figure:
    return Figure(key, float(len(counted)), incidents=_ids(counted), hits=_ids(counted))


def _median(key: FigureKey, responses: Sequence[Response], ids: frozenset[str]) -> Figure:
    done = [r for r in responses if r.incident_id in ids and r.done_at is not None]
    minutes = [max(0.0, (r.done_at - r.started_at).total_seconds() / 60) for r in done if r.done_at]
    value = statistics.median(minutes) if minutes else None
    behind = tuple(sorted({r.incident_id for r in done}))
    return Figure(key, value, len(minutes), len(minutes), behind, behind)


def collective(r: Incident, thresholds: GradingThresholds = DEFAULT_THRESHOLDS) -> bool:
    """集体访, as the statistics count it: by its type, or by its head count."""
    return r.type in COLLECTIVE_TYPES or r.head_count >= thresholds.head_count_collective


def closure_due(r: Incident, close_days: int = CLOSE_DAYS) -> datetime:
    return r.registered_at + timedelta(days=close_days)


def figures_of(
    incidents: Sequence[Incident],
    dispatches: Sequence[Response],
    pages: Sequence[Response],
    now: datetime,
    *,
    thresholds: GradingThresholds = DEFAULT_THRESHOLDS,
    close_days: int = CLOSE_DAYS,
) -> dict[FigureKey, Figure]:
    """Every figure of these incidents (already the period's and the unit's; drills are left out)."""
    real = [r for r in incidents if not r.drill]
    ids = frozenset(r.incident_id for r in real)
    # 按期结案率: of those closed, or open past their deadline, the share closed by the deadline.
    closable = [r for r in real if r.closed_at is not None or now > closure_due(r, close_days)]
    on_time = [r for r in closable if r.closed_at is not None and r.closed_at <= closure_due(r, close_days)]
    # 初信初访办结率: of the first visits (not a repeat petitioner's), the share closed as resolved.
    first = [r for r in real if not r.repeat]
    resolved = [r for r in first if r.closed_at is not None and r.outcome == "resolved"]
    # 按时报送率: filings judged against the deadline they had; open obligations past theirs are late.
    due = on = 0
    with_reports: list[Incident] = []
    all_on_time: list[Incident] = []
    for r in real:
        late_open = sum(1 for d in r.open_reports if d < now)
        n_due = len(r.filings) + late_open
        n_on = sum(1 for f in r.filings if f.filed_at <= f.due_at)
        due, on = due + n_due, on + n_on
        if n_due:
            with_reports.append(r)
            if n_on == n_due:
                all_on_time.append(r)
    reports = Figure(
        FigureKey.REPORTS_ON_TIME, on / due if due else None, on, due, _ids(with_reports), _ids(all_on_time)
    )
    return {
        FigureKey.INCIDENTS: _count(FigureKey.INCIDENTS, real),
        FigureKey.ON_TIME_CLOSURE: _rate(FigureKey.ON_TIME_CLOSURE, closable, on_time),
        FigureKey.FIRST_VISIT: _rate(FigureKey.FIRST_VISIT, first, resolved),
        FigureKey.COLLECTIVE: _count(FigureKey.COLLECTIVE, [r for r in real if collective(r, thresholds)]),
        FigureKey.CROSS_LEVEL: _count(FigureKey.CROSS_LEVEL, [r for r in real if r.cross_level]),
        FigureKey.REPEAT: _count(FigureKey.REPEAT, [r for r in real if r.repeat]),
        FigureKey.REPORTS_ON_TIME: reports,
        FigureKey.ARRIVAL: _median(FigureKey.ARRIVAL, dispatches, ids),
        FigureKey.PAGE_ACK: _median(FigureKey.PAGE_ACK, pages, ids),
    }


def _grouped(real: Sequence[Incident], label: Mapping[str, str], attr: str) -> tuple[tuple[str, Figure], ...]:
    groups: dict[str, list[Incident]] = {}
    for r in real:
        value = str(getattr(r, attr))
        groups.setdefault(label.get(value, value), []).append(r)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return tuple((name, _count(FigureKey.INCIDENTS, rs)) for name, rs in ordered)


@dataclass(frozen=True)
class Tree:
    """The organisation's units as a tree: each unit's descendants, and the order to show them in
    (depth first, siblings in the order the units were given)."""

    units: dict[str, Unit]
    order: tuple[tuple[str, int], ...]  # (unit id, depth), depth first from the root(s)
    below: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, units: Iterable[Unit]) -> Tree:
        by_id = {u.id: u for u in units}
        children: dict[str | None, list[str]] = {}
        for u in by_id.values():
            parent = u.parent_id if u.parent_id in by_id else None
            children.setdefault(parent, []).append(u.id)
        order: list[tuple[str, int]] = []
        below: dict[str, frozenset[str]] = {}

        def walk(unit_id: str, depth: int) -> frozenset[str]:
            order.append((unit_id, depth))
            found = {unit_id}
            for child in children.get(unit_id, []):
                found |= walk(child, depth + 1)
            below[unit_id] = frozenset(found)
            return below[unit_id]

        for root in children.get(None, []):
            walk(root, 0)
        return cls(by_id, tuple(order), below)


def in_period(rs: Iterable[Incident], period: Period, tz: tzinfo) -> list[Incident]:
    """The real incidents registered within the period's dates (in the office's time zone)."""
    return [r for r in rs if not r.drill and period.holds(r.registered_at, tz)]


def per_unit(
    incidents: Sequence[Incident],
    dispatches: Sequence[Response],
    pages: Sequence[Response],
    tree: Tree,
    period: Period,
    now: datetime,
    tz: tzinfo,
    *,
    scope: frozenset[str] | None = None,
    type_labels: Mapping[str, str] | None = None,
    thresholds: GradingThresholds = DEFAULT_THRESHOLDS,
    close_days: int = CLOSE_DAYS,
) -> list[UnitFigures]:
    """The period's figures of every unit (its incidents and those of every unit below it), in the
    tree's order; `scope` (an inspector's units) keeps only those units."""
    inside = in_period(incidents, period, tz)
    out: list[UnitFigures] = []
    for unit_id, depth in tree.order:
        if scope is not None and unit_id not in scope:
            continue
        units = tree.below[unit_id]
        mine = [r for r in inside if r.unit_id in units]
        out.append(
            UnitFigures(
                tree.units[unit_id],
                depth,
                figures_of(mine, dispatches, pages, now, thresholds=thresholds, close_days=close_days),
                _grouped(mine, type_labels or {}, "type"),
                _grouped(mine, {}, "level"),
            )
        )
    return out


# --- targets --------------------------------------------------------------------------------------


class Verdict(StrEnum):
    MET = "met"  # 达标
    NOT_MET = "not_met"  # 未达标
    NO_DATA = "no_data"  # 无数据 (nothing to judge yet)
    NOT_COMPARABLE = "not_comparable"  # a year's count against a month's or a quarter's


def verdict(figure: Figure, target: float, period: Period) -> Verdict:
    """Whether the figure meets the year's target: a rate or a time over any period of that year,
    a count only over the whole year (a yearly ceiling says nothing of one month)."""
    shape = SHAPES[figure.key]
    if shape is Shape.COUNT and (period.end - period.start).days < 365:
        return Verdict.NOT_COMPARABLE
    if figure.value is None:
        return Verdict.NO_DATA
    if at_least(figure.key):
        return Verdict.MET if figure.value >= target - 1e-9 else Verdict.NOT_MET
    return Verdict.MET if figure.value <= target + 1e-9 else Verdict.NOT_MET


def trend(
    incidents: Sequence[Incident],
    dispatches: Sequence[Response],
    pages: Sequence[Response],
    units: frozenset[str],
    year: int,
    now: datetime,
    tz: tzinfo,
    *,
    thresholds: GradingThresholds = DEFAULT_THRESHOLDS,
    close_days: int = CLOSE_DAYS,
) -> list[tuple[Period, dict[FigureKey, Figure]]]:
    """Each month of the year with its figures for these units (months after `now` left out)."""
    mine = [r for r in incidents if r.unit_id in units]
    last = now.astimezone(tz).date()
    return [
        (
            month,
            figures_of(
                in_period(mine, month, tz),
                dispatches,
                pages,
                now,
                thresholds=thresholds,
                close_days=close_days,
            ),
        )
        for month in months_of(year)
        if month.start <= last
    ]


# How the import sheet and the upward wording name each figure (seed §25).
ZH: dict[FigureKey, str] = {
    FigureKey.INCIDENTS: "突发事件总数",
    FigureKey.ON_TIME_CLOSURE: "按期结案率",
    FigureKey.FIRST_VISIT: "初信初访办结率",
    FigureKey.COLLECTIVE: "集体访",
    FigureKey.CROSS_LEVEL: "越级访",
    FigureKey.REPEAT: "重复访",
    FigureKey.REPORTS_ON_TIME: "按时报送率",
    FigureKey.ARRIVAL: "派遣到场时间",
    FigureKey.PAGE_ACK: "告警确认时间",
}
