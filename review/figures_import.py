"""导入年度目标: a CSV sheet of targets checked row by row, all rows or none (like the org import).

Columns `year,unit,figure,value` (or 年度,单位,指标,目标值): the unit by its id or its name, the figure
by its key or its Chinese name (按期结案率 …), a rate in percent (0–100), a count (a whole number) or
minutes (≥ 0). Pure: the text and the organisation's units in, targets or row errors out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from responders.io import RowError
from responders.spreadsheet import unquote_cell

from .figures import SHAPES, TARGETED, ZH, FigureKey, Shape

COLUMNS = {"year": "year", "年度": "year", "unit": "unit", "单位": "unit", "figure": "figure",
           "指标": "figure", "value": "value", "目标值": "value"}  # fmt: skip
_BY_NAME = {**{k.value: k for k in TARGETED}, **{ZH[k]: k for k in TARGETED}}


@dataclass(frozen=True)
class Row:
    year: int
    unit_id: str
    figure: FigureKey
    value: float


def _err(row: int, column: str | None, en: str, zh: str) -> RowError:
    return RowError(row, column, en, zh)


def check_value(figure: FigureKey, value: float) -> tuple[str, str] | None:
    """Why a target value does not fit its figure (English, Chinese), or None."""
    shape = SHAPES[figure]
    if value != value or value < 0:  # NaN or negative
        return "must be a number of zero or more", "须为不小于0的数"
    if shape is Shape.RATE and value > 100:
        return "a rate is a percentage from 0 to 100", "比率为0至100的百分数"
    if shape is Shape.COUNT and value != int(value):
        return "a count is a whole number", "件数须为整数"
    return None


def parse(text: str, units: Mapping[str, str]) -> tuple[tuple[Row, ...], tuple[RowError, ...]]:
    """The sheet's rows, or every bad row; `units` maps unit ids and names to ids."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        return (), (_err(0, None, "the file is empty", "文件为空"),)
    names = [
        COLUMNS.get(unquote_cell(h).strip().lower()) or COLUMNS.get(unquote_cell(h).strip()) for h in header
    ]
    missing = [c for c in ("year", "unit", "figure", "value") if c not in names]
    if missing:
        return (), (_err(1, ", ".join(missing), "missing column(s)", "缺少列"),)
    rows: list[Row] = []
    errors: list[RowError] = []
    seen: dict[tuple[int, str, FigureKey], int] = {}
    for n, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        raw = {
            name: unquote_cell(cells[i]).strip() if i < len(cells) else ""
            for i, name in enumerate(names)
            if name
        }
        bad = len(errors)
        year = int(raw["year"]) if raw["year"].isdigit() else None
        if year is None or not 2000 <= year <= 2999:
            errors.append(_err(n, "year", "not a year (2000–2999)", "年度无效（2000–2999）"))
        unit_id = units.get(raw["unit"])
        if unit_id is None:
            errors.append(_err(n, "unit", f"no such unit: {raw['unit']}", f"没有该单位：{raw['unit']}"))
        figure = _BY_NAME.get(raw["figure"])
        if figure is None:
            errors.append(
                _err(n, "figure", f"no such figure: {raw['figure']}", f"没有该指标：{raw['figure']}")
            )
        try:
            value: float | None = float(raw["value"].rstrip("%"))
        except ValueError:
            value = None
            errors.append(_err(n, "value", "not a number", "目标值不是数字"))
        if figure is not None and value is not None:
            why = check_value(figure, value)
            if why is not None:
                errors.append(_err(n, "value", *why))
        if len(errors) > bad:
            continue
        assert year is not None and unit_id is not None and figure is not None and value is not None
        key = (year, unit_id, figure)
        if key in seen:
            errors.append(
                _err(n, "figure", f"the same target as row {seen[key]}", f"与第{seen[key]}行的目标重复")
            )
            continue
        seen[key] = n
        rows.append(Row(year, unit_id, figure, value))
    if errors:
        return (), tuple(errors)
    if not rows:
        return (), (_err(0, None, "the file holds no rows", "文件没有数据行"),)
    return tuple(rows), ()
