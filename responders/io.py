"""Import and export of units, people, places and roster shifts as CSV or YAML, all rows checked first."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import Enum, StrEnum
from typing import Generic, TypeVar

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from responders.organisation import Frozen, Person, Place, Unit, validate_units
from responders.roster import Shift
from responders.spreadsheet import safe_cell, unquote_cell
from responders.text import Text

M = TypeVar("M", bound=Frozen)
Raw = dict[str, object]
_SPLIT = re.compile(r"[;；、,，]")


class Format(StrEnum):
    """File format of an import or export."""

    CSV = "csv"
    YAML = "yaml"


@dataclass(frozen=True, slots=True)
class RowError:
    """What is wrong with one row: CSV counts the header as row 1, YAML items count from 1; 0 is the file."""

    row: int
    column: str | None
    message: str
    message_zh: str


@dataclass(frozen=True, slots=True)
class ImportResult(Generic[M]):
    """Parsed rows or errors; `items` is empty whenever there is an error, so nothing is half-imported."""

    items: tuple[M, ...]
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        """True when every row was valid."""
        return not self.errors


@dataclass(frozen=True, slots=True)
class _Table(Generic[M]):
    name: str
    model: type[M]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.model.model_fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(n for n, f in self.model.model_fields.items() if f.is_required())

    @property
    def multi(self) -> frozenset[str]:
        return frozenset(n for n in self.columns if n in _MULTI_VALUED)


_MULTI_VALUED = frozenset({"roles", "skills", "channels"})
_DATETIMES = frozenset({"start", "end"})
UNITS = _Table("units", Unit)
PEOPLE = _Table("people", Person)
PLACES = _Table("places", Place)
SHIFTS = _Table("shifts", Shift)


def _err(row: int, column: str | None, text: Text) -> RowError:
    return RowError(row=row, column=column, message=text.en, message_zh=text.zh)


_ZH = {
    "missing": "必填项缺失",
    "extra_forbidden": "未知的列",
    "enum": "取值不在允许范围内",
    "string_pattern_mismatch": "格式不正确",
    "string_too_short": "不能为空",
    "string_too_long": "内容过长",
    "timezone_aware": "时间须带时区",
    "datetime_from_date_parsing": "时间格式不正确",
    "datetime_parsing": "时间格式不正确",
    "float_parsing": "须为数字",
    "greater_than_equal": "超出允许范围",
    "less_than_equal": "超出允许范围",
}


def _from_pydantic(row: int, detail: ErrorDetails) -> RowError:
    column = str(detail["loc"][0]) if detail["loc"] else None
    given = detail.get("input")
    # Name the offending value so the clerk can find it in a long row without reading the pattern.
    shown = f"{given!r}: " if isinstance(given, str | int | float) and detail["type"] != "missing" else ""
    zh = _ZH.get(detail["type"], "取值无效")
    return _err(row, column, Text(f"{shown}{zh}（{detail['msg']}）", f"{shown}{detail['msg']}"))


def _read_csv(text: str, table: _Table[M]) -> tuple[list[tuple[int, Raw]], list[RowError]]:
    # Excel saves UTF-8 with a byte-order mark; without stripping it the first header would not match.
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(reader, [])]
    errors = [
        _err(1, h, Text(f"未知的列「{h}」", f"unknown column {h!r}"))
        for h in header
        if h not in table.columns
    ]
    errors += [
        _err(1, c, Text(f"缺少必填列「{c}」", f"missing required column {c!r}"))
        for c in table.required
        if c not in header
    ]
    if errors:
        return [], errors
    rows: list[tuple[int, Raw]] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            errors.append(_err(number, None, Text("单元格多于表头", "more cells than header columns")))
            continue
        raw: Raw = {}
        for name, cell in zip(header, cells, strict=False):
            value = unquote_cell(cell.strip())
            if name in table.multi:
                raw[name] = [part.strip() for part in _SPLIT.split(value) if part.strip()]
            elif value:
                raw[name] = value
        rows.append((number, raw))
    return rows, errors


def _scalar(value: object) -> object:
    # YAML turns 13800138000 into an int and 2024-05-01 08:00 into a datetime; ids and phones are text.
    if value is None or isinstance(value, datetime | float | list):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _read_yaml(text: str, table: _Table[M]) -> tuple[list[tuple[int, Raw]], list[RowError]]:
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f"line {line + 1}: " if line is not None else ""
        return [], [_err(0, None, Text(f"YAML 格式错误：{where}{exc}", f"not valid YAML: {where}{exc}"))]
    if isinstance(loaded, dict) and set(loaded) == {table.name}:
        loaded = loaded[table.name]
    if loaded is None:
        return [], []
    if not isinstance(loaded, list):
        expected = f"a list of {table.name} or a mapping {{{table.name}: [...]}}"
        return [], [_err(0, None, Text(f"文件内容须为{table.name}列表", f"expected {expected}"))]
    rows: list[tuple[int, Raw]] = []
    errors: list[RowError] = []
    for number, item in enumerate(loaded, start=1):
        if not isinstance(item, dict):
            errors.append(_err(number, None, Text("该项须为键值对", "item is not a mapping")))
            continue
        raw: Raw = {}
        for key, value in item.items():
            name = str(key)
            if name in table.multi and isinstance(value, str):
                value = [part.strip() for part in _SPLIT.split(value) if part.strip()]
            elif isinstance(value, list):
                value = [_scalar(v) for v in value]
            raw[name] = _scalar(value)
        rows.append((number, raw))
    return rows, errors


def _localise(raw: Raw, default_tz: tzinfo | None) -> Raw:
    # Rosters typed in a spreadsheet carry no offset ("2024-05-01 08:00"); the caller says which zone.
    if default_tz is None:
        return raw
    fixed = dict(raw)
    for name in _DATETIMES & raw.keys():
        value = raw[name]
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                continue
        if isinstance(value, datetime) and value.tzinfo is None:
            fixed[name] = value.replace(tzinfo=default_tz)
    return fixed


@dataclass(frozen=True, slots=True)
class _Refers:
    """A column whose value must be one of `known` (ids already in the console or in a sibling file)."""

    column: str
    known: Collection[str] | None
    noun: Text


def _raw_checks(
    rows: Sequence[tuple[int, Raw]], unique: Sequence[str], refers: Sequence[_Refers]
) -> list[RowError]:
    # Checked on the raw rows, so a row with a bad phone still reports its unknown unit in the same pass.
    errors: list[RowError] = []
    for column in unique:
        first: dict[str, int] = {}
        for number, raw in rows:
            value = raw.get(column)
            if not isinstance(value, str):
                continue
            if value.strip() in first:
                seen = first[value.strip()]
                text = Text(f"「{value}」与第 {seen} 行重复", f"{column} {value!r} repeats row {seen}")
                errors.append(_err(number, column, text))
            first.setdefault(value.strip(), number)
    for ref in refers:
        for number, raw in rows:
            value = raw.get(ref.column)
            if ref.known is None or not isinstance(value, str) or value.strip() in ref.known:
                continue
            text = Text(f"{ref.noun.zh}「{value}」不存在", f"unknown {ref.noun.en} {value!r}")
            errors.append(_err(number, ref.column, text))
    return errors


def _parse(
    text: str,
    fmt: Format,
    table: _Table[M],
    *,
    unique: Sequence[str] = ("id",),
    refers: Sequence[_Refers] = (),
    default_tz: tzinfo | None = None,
) -> tuple[list[tuple[int, M]], list[RowError]]:
    rows, errors = _read_csv(text, table) if fmt is Format.CSV else _read_yaml(text, table)
    parsed: list[tuple[int, M]] = []
    for number, raw in rows:
        try:
            parsed.append((number, table.model.model_validate(_localise(raw, default_tz))))
        except ValidationError as exc:
            errors.extend(_from_pydantic(number, d) for d in exc.errors(include_url=False))
    errors.extend(_raw_checks(rows, unique, refers))
    return parsed, errors


def _result(parsed: Sequence[tuple[int, M]], errors: Sequence[RowError]) -> ImportResult[M]:
    if errors:
        return ImportResult((), tuple(sorted(set(errors), key=lambda e: (e.row, e.column or "", e.message))))
    return ImportResult(tuple(item for _, item in parsed), ())


_UNIT, _PLACE, _PERSON = Text("单位", "unit"), Text("地点", "place"), Text("人员", "person")


def import_units(text: str, fmt: Format) -> ImportResult[Unit]:
    """Parse units and check they form a tree (parents exist, no cycles)."""
    parsed, errors = _parse(text, fmt, UNITS)
    rows = [number for number, _ in parsed]
    # Repeated ids were reported with the row they repeat; the tree check would only say it less precisely.
    problems = [p for p in validate_units(unit for _, unit in parsed) if p.field != "id"]
    return _result(parsed, [*errors, *(_err(rows[p.index], p.field, p.text) for p in problems)])


def import_people(
    text: str,
    fmt: Format,
    *,
    unit_ids: Collection[str] | None = None,
    place_ids: Collection[str] | None = None,
) -> ImportResult[Person]:
    """Parse people; with `unit_ids`/`place_ids` given, their unit and base place must exist."""
    refers = (_Refers("unit_id", unit_ids, _UNIT), _Refers("base_place_id", place_ids, _PLACE))
    return _result(*_parse(text, fmt, PEOPLE, refers=refers))


def import_places(
    text: str,
    fmt: Format,
    *,
    unit_ids: Collection[str] | None = None,
    owners: Mapping[str, str] | None = None,
) -> ImportResult[Place]:
    """Parse places; ids and names must be unique, and with `unit_ids` given their unit must exist.

    `owners` (name → id of the places the console already has): a place may be imported again under its own
    id, but not take another place's name. It is checked on every row that parsed, with the row's number in
    the file, so a file with other bad rows still names this one too (all rows or none, every bad row named).
    """
    refers = (_Refers("unit_id", unit_ids, _UNIT),)
    parsed, errors = _parse(text, fmt, PLACES, unique=("id", "name"), refers=refers)
    taken = owners or {}
    for number, place in parsed:
        if taken.get(place.name, place.id) != place.id:
            clash = Text(f"地点名称「{place.name}」已存在", f"place name {place.name!r} is taken")
            errors.append(_err(number, "name", clash))
    return _result(parsed, errors)


def import_shifts(
    text: str,
    fmt: Format,
    *,
    unit_ids: Collection[str] | None = None,
    person_ids: Collection[str] | None = None,
    default_tz: tzinfo | None = None,
) -> ImportResult[Shift]:
    """Parse roster shifts; swaps and overrides are made in the console, so they carry who made them."""
    refers = (_Refers("unit_id", unit_ids, _UNIT), _Refers("holder_id", person_ids, _PERSON))
    return _result(*_parse(text, fmt, SHIFTS, refers=refers, default_tz=default_tz))


def _plain(value: object) -> object:
    if isinstance(value, frozenset | tuple):
        items = [_plain(v) for v in value]
        # Sets have no order; sorting keeps exports stable so a diff of two exports shows real changes only.
        return sorted(items, key=str) if isinstance(value, frozenset) else items
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _export(items: Iterable[M], fmt: Format, table: _Table[M]) -> str:
    rows = [{c: _plain(getattr(item, c)) for c in table.columns} for item in items]
    if fmt is Format.YAML:
        listed = [{k: v for k, v in row.items() if v is not None and v != []} for row in rows]
        return yaml.safe_dump({table.name: listed}, allow_unicode=True, sort_keys=False)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in rows:
        writer.writerow(_csv_cell(row[c]) for c in table.columns)
    return out.getvalue()


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return safe_cell(";".join(str(v) for v in value))
    if isinstance(value, str):
        return safe_cell(value)  # names and addresses come from imports and place.add: never a formula
    return str(value)


def export_units(units: Iterable[Unit], fmt: Format) -> str:
    """Units as CSV or YAML, readable by `import_units`."""
    return _export(units, fmt, UNITS)


def export_people(people: Iterable[Person], fmt: Format) -> str:
    """People as CSV or YAML, readable by `import_people`."""
    return _export(people, fmt, PEOPLE)


def export_places(places: Iterable[Place], fmt: Format) -> str:
    """Places as CSV or YAML, readable by `import_places`."""
    return _export(places, fmt, PLACES)


def export_shifts(shifts: Iterable[Shift], fmt: Format) -> str:
    """Roster shifts as CSV or YAML, readable by `import_shifts`."""
    return _export(shifts, fmt, SHIFTS)
