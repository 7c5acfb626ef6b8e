"""履职情况汇总: the compliance tables of a period's incidents summed per unit, per person, per month.

Pure: it takes each incident's table (review.compliance) with the incident's unit and month and
returns the sums. Drills are left out by the caller's choice of incidents (演练不计入).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from .compliance import Outcome, Row

# Outcomes that are duties a reader counts (受阻/不适用/未到期/无时限 are not yet, or not, duties).
COUNTED = frozenset({Outcome.ON_TIME, Outcome.LATE, Outcome.OVERDUE, Outcome.SKIPPED, Outcome.RELEASED})


@dataclass(frozen=True)
class IncidentTable:
    """One incident's compliance table, with what the sums are grouped by."""

    incident_id: str
    number: str
    unit_id: str
    unit_name: str
    month: str  # YYYY-MM of its registration, in the office's time zone
    rows: Sequence[Row]


@dataclass
class Tally:
    """What one group's duties came to."""

    key: str
    name: str
    incidents: set[str] = field(default_factory=set)
    duties: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    minutes_late: float = 0.0

    @property
    def on_time_rate(self) -> float | None:
        """按时率: duties done or decided in time, of those counted (None: no duty)."""
        return (self.duties - self.late - self.overdue) / self.duties if self.duties else None

    def add(self, number: str, row: Row) -> None:
        self.incidents.add(number)
        self.duties += 1
        if row.outcome is Outcome.ON_TIME:
            self.on_time += 1
        elif row.outcome is Outcome.LATE:
            self.late += 1
        elif row.outcome is Outcome.OVERDUE:
            self.overdue += 1
        if row.late and row.late_by is not None:
            self.minutes_late += row.late_by / timedelta(minutes=1)


@dataclass(frozen=True)
class Summary:
    by_unit: tuple[Tally, ...]
    by_person: tuple[Tally, ...]  # the people named as holding a late duty
    by_month: tuple[Tally, ...]


def _sorted(tallies: dict[str, Tally]) -> tuple[Tally, ...]:
    return tuple(sorted(tallies.values(), key=lambda t: t.key))


def summarise(tables: Iterable[IncidentTable]) -> Summary:
    """Per unit and per month every counted duty; per person the late ones they held when due."""
    units: dict[str, Tally] = {}
    people: dict[str, Tally] = {}
    months: dict[str, Tally] = {}
    for t in tables:
        for row in t.rows:
            if row.outcome not in COUNTED:
                continue
            units.setdefault(t.unit_id, Tally(t.unit_id, t.unit_name)).add(t.number, row)
            months.setdefault(t.month, Tally(t.month, t.month)).add(t.number, row)
            if row.late and row.holder is not None:
                holder = row.holder
                people.setdefault(holder.person_id, Tally(holder.person_id, holder.name)).add(t.number, row)
    return Summary(_sorted(units), _sorted(people), _sorted(months))


CSV_HEADER = (
    "分组 group",
    "编号 key",
    "名称 name",
    "事件数 incidents",
    "事项 duties",
    "按时 on time",
    "逾期完成 done late",
    "未完成 not done",
    "超时合计(分钟) minutes late",
    "按时率 on-time rate",
    "事件 incident numbers",
)


def to_csv(summary: Summary) -> str:
    """The three groupings in one CSV (UTF-8 text; the edge adds a BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for group, tallies in (
        ("unit", summary.by_unit),
        ("person", summary.by_person),
        ("month", summary.by_month),
    ):
        for t in tallies:
            rate = f"{t.on_time_rate:.3f}" if t.on_time_rate is not None else ""
            writer.writerow(
                [group, t.key, t.name, len(t.incidents), t.duties, t.on_time, t.late, t.overdue,
                 f"{t.minutes_late:.1f}", rate, " ".join(sorted(t.incidents))]
            )  # fmt: skip
    return out.getvalue()
