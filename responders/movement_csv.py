"""CSV exports of the movement log, the activity logs and the response figures, rendered into a string."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal, TypeVar

from responders.figures import AssignmentFigures
from responders.movement import ActivityEntry, MovementRecord, ordered
from responders.organisation import Person, Place
from responders.spreadsheet import safe_cell
from responders.text import Text

Lang = Literal["zh", "en"]
Cell = str | int | float | bool | datetime | timedelta | None
T = TypeVar("T")


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(int(value.total_seconds()))
    if isinstance(value, str):
        # Notes come from phones; a spreadsheet would run "=HYPERLINK(...)" as a formula, so defuse it.
        return safe_cell(value)
    return str(value)


def _render(columns: Sequence[tuple[Text, Callable[[T], Cell]]], rows: Iterable[T], lang: Lang) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([getattr(header, lang) for header, _ in columns])
    for row in rows:
        writer.writerow([_cell(get(row)) for _, get in columns])
    return out.getvalue()


def _name(mapping: Mapping[str, Person] | Mapping[str, Place], key: str | None) -> str | None:
    found = mapping.get(key) if key is not None else None
    return found.name if found is not None else None


def movement_log_csv(
    records: Iterable[MovementRecord],
    *,
    people: Mapping[str, Person] | None = None,
    places: Mapping[str, Place] | None = None,
    lang: Lang = "zh",
) -> str:
    """The movement log as CSV, one line per record in time order."""
    who, where = people or {}, places or {}

    columns: list[tuple[Text, Callable[[MovementRecord], Cell]]] = [
        (Text("发生时间", "occurred_at"), lambda r: r.occurred_at),
        (Text("登记时间", "recorded_at"), lambda r: r.recorded_at),
        (Text("事件", "incident_id"), lambda r: r.incident_id),
        (Text("人员编号", "person_id"), lambda r: r.person_id),
        (Text("姓名", "person_name"), lambda r: _name(who, r.person_id)),
        (Text("动态", "kind"), lambda r: getattr(r.kind.label, lang)),
        (Text("地点编号", "place_id"), lambda r: r.place_id),
        (Text("地点", "place_name"), lambda r: _name(where, r.place_id)),
        (Text("纬度", "lat"), lambda r: r.lat),
        (Text("经度", "lon"), lambda r: r.lon),
        (Text("任务", "assignment_role"), lambda r: r.assignment_role),
        (Text("登记人", "actor_id"), lambda r: r.actor_id),
        (Text("代为登记", "on_behalf"), lambda r: r.on_behalf),
        (Text("备注", "note"), lambda r: r.note),
    ]
    return _render(columns, ordered(records), lang)


def activity_log_csv(entries: Iterable[ActivityEntry], *, lang: Lang = "zh") -> str:
    """An ICS-214 activity log as CSV: time, place, activity, then who recorded it and when."""

    columns: list[tuple[Text, Callable[[ActivityEntry], Cell]]] = [
        (Text("时间", "time"), lambda e: e.time),
        (Text("地点", "place"), lambda e: e.place_name),
        (Text("活动", "activity"), lambda e: getattr(e.activity, lang)),
        (Text("事件", "incident_id"), lambda e: e.incident_id),
        (Text("登记人", "recorded_by"), lambda e: e.actor_id),
        (Text("登记时间", "recorded_at"), lambda e: e.recorded_at),
    ]
    return _render(columns, entries, lang)


def figures_csv(
    figures: Iterable[AssignmentFigures],
    *,
    people: Mapping[str, Person] | None = None,
    lang: Lang = "zh",
) -> str:
    """Response figures as CSV; durations are whole seconds."""
    who = people or {}

    columns: list[tuple[Text, Callable[[AssignmentFigures], Cell]]] = [
        (Text("事件", "incident_id"), lambda f: f.incident_id),
        (Text("人员编号", "person_id"), lambda f: f.person_id),
        (Text("姓名", "person_name"), lambda f: _name(who, f.person_id)),
        (Text("派遣序号", "number"), lambda f: f.number),
        (Text("派遣时间", "dispatched_at"), lambda f: f.dispatched_at),
        (Text("确认时间", "acknowledged_at"), lambda f: f.acknowledged_at),
        (Text("到达时间", "arrived_at"), lambda f: f.arrived_at),
        (Text("结束时间", "ended_at"), lambda f: f.ended_at),
        (Text("确认用时（秒）", "time_to_acknowledge_s"), lambda f: f.time_to_acknowledge),
        (Text("到达用时（秒）", "time_to_arrive_s"), lambda f: f.time_to_arrive),
        (Text("现场时长（秒）", "time_on_scene_s"), lambda f: f.time_on_scene),
    ]
    return _render(columns, figures, lang)
