"""Import and export: bad rows name their row and column, and nothing is half-imported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from responders.io import (
    Format,
    ImportResult,
    RowError,
    export_people,
    export_places,
    export_shifts,
    export_units,
    import_people,
    import_places,
    import_shifts,
    import_units,
)
from responders.organisation import Person, Place, Skill, Unit
from responders.roster import Roster

CST = timezone(timedelta(hours=8))


def where(errors: tuple[RowError, ...]) -> list[tuple[int, str | None]]:
    return [(e.row, e.column) for e in errors]


def test_bad_people_rows_import_nothing_and_say_where() -> None:
    text = (
        "id,name,unit_id,post,roles,skills,phone,channels,base_place_id\n"
        "zhang,张敏,xfs,主任,信访干部,信访接待、谈话疏导,13800138001,sms;console,hall\n"
        "li,李强,xfs,,,飞行,,,\n"
        "zhao,赵磊,nowhere,,,,x,,\n"
        "\n"
        "zhang,张敏二,xfs,,,,,,\n"
        "chen,,tw2,,,,,,\n"
        "sun,孙涛,tw2,,,,call me,,\n"
    )
    result = import_people(text, Format.CSV, unit_ids={"xfs", "tw2"}, place_ids={"hall"})
    assert result.items == () and not result.ok
    assert where(result.errors) == [
        (3, "skills"),
        (4, "phone"),
        (4, "unit_id"),
        (6, "id"),
        (7, "name"),
        (8, "phone"),
    ]
    skills = result.errors[0]
    assert "'飞行'" in skills.message and "取值不在允许范围内" in skills.message_zh
    unknown_unit, repeated = result.errors[2], result.errors[3]
    assert unknown_unit.message == "unknown unit 'nowhere'" and "「nowhere」不存在" in unknown_unit.message_zh
    assert repeated.message == "id 'zhang' repeats row 2"


def test_good_people_rows_import_with_chinese_terms() -> None:
    text = "id,name,unit_id,skills,channels\nzhang,张敏,xfs,信访接待；谈话疏导,短信\n"
    result = import_people(text, Format.CSV, unit_ids={"xfs"})
    assert result.ok
    (zhang,) = result.items
    assert zhang.skills == {Skill.RECEPTION, Skill.COUNSELLING} and zhang.channels == ("sms",)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("id,name,unit_id,nickname", [(1, "nickname")]),
        ("id,unit_id", [(1, "name")]),
        ("", [(1, "id"), (1, "name"), (1, "unit_id")]),
    ],
)
def test_bad_headers_are_row_one(header: str, expected: list[tuple[int, str]]) -> None:
    result = import_people(header + "\nzhang,张敏,xfs,x\n" if header else "", Format.CSV)
    assert where(result.errors) == expected and result.items == ()


def test_too_many_cells_is_a_row_error() -> None:
    result = import_places("id,name\nhall,接待大厅,extra\n", Format.CSV)
    assert where(result.errors) == [(2, None)]


def test_excel_byte_order_mark_is_ignored() -> None:
    result = import_places("\ufeffid,name,lat,lon\nhall,接待大厅,30.1,120.2\n", Format.CSV)
    assert result.ok and result.items[0].position == (30.1, 120.2)


def test_places_need_unique_names_and_paired_coordinates() -> None:
    text = "id,name,unit_id,lat,lon\nhall,接待大厅,xfs,,\ngate,接待大厅,xfs,,\nyard,县委大院,xwb,30.1,\n"
    result = import_places(text, Format.CSV, unit_ids={"xfs"})
    assert where(result.errors) == [(3, "name"), (4, None), (4, "unit_id")]


def test_units_that_do_not_form_a_tree() -> None:
    text = """
units:
  - {id: cc, name: 县纪委监委, kind: county_commission}
  - {id: tw1, name: 城关镇, kind: 乡镇, parent_id: tw2}
  - {id: tw2, name: 河西乡, kind: township, parent_id: tw1}
  - {id: tw3, name: 新河镇, kind: township, parent_id: ghost}
  - {id: st1, name: 东城街道, kind: 街坊, parent_id: cc}
  - just a string
  - {id: cc, name: 重复, kind: county_commission}
"""
    result = import_units(text, Format.YAML)
    assert result.items == ()
    assert where(result.errors) == [
        (2, "parent_id"),
        (3, "parent_id"),
        (4, "parent_id"),
        (5, "kind"),
        (6, None),
        (7, "id"),
    ]
    assert "tw1 → tw2" in result.errors[0].message or "tw2 → tw1" in result.errors[0].message


def test_yaml_numbers_become_text_and_bad_yaml_is_row_zero() -> None:
    ok = import_people(
        "- {id: 7, name: 张敏, unit_id: xfs, phone: 13800138001, roles: 信访干部}", Format.YAML
    )
    assert ok.ok and ok.items[0].id == "7" and ok.items[0].phone == "13800138001"
    broken = import_people("- {id: [", Format.YAML)
    assert where(broken.errors) == [(0, None)] and "YAML" in broken.errors[0].message_zh
    wrong = import_people("people: 3", Format.YAML)
    assert where(wrong.errors) == [(0, None)]
    assert import_people("", Format.YAML) == ImportResult((), ())


def test_shift_times_need_a_zone_unless_one_is_given() -> None:
    text = "id,unit_id,post,start,end,holder_id\ns1,xfs,带班领导,2024-05-06 08:30,2024-05-06 17:30,wang\n"
    bare = import_shifts(text, Format.CSV)
    assert where(bare.errors) == [(2, "end"), (2, "start")]
    assert "时区" in bare.errors[0].message_zh
    zoned = import_shifts(text, Format.CSV, default_tz=CST, unit_ids={"xfs"}, person_ids={"wang"})
    assert zoned.ok and zoned.items[0].start == datetime(2024, 5, 6, 8, 30, tzinfo=CST)


def test_shift_rows_check_order_and_references() -> None:
    text = (
        "id,unit_id,post,start,end,holder_id\n"
        "s1,xfs,duty_officer,2024-05-06T17:30+08:00,2024-05-06T08:30+08:00,zhang\n"
        "s2,xfs,duty_officer,2024-05-06T08:30+08:00,2024-05-06T17:30+08:00,ghost\n"
    )
    result = import_shifts(text, Format.CSV, person_ids={"zhang"})
    assert where(result.errors) == [(2, None), (3, "holder_id")]


@pytest.fixture
def tables(
    units: list[Unit], people: dict[str, Person], places: dict[str, Place], roster: Roster
) -> dict[str, list[object]]:
    return {
        "units": list(units),
        "people": list(people.values()),
        "places": list(places.values()),
        "shifts": list(roster.shifts),
    }


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize(
    ("table", "export", "parse"),
    [
        ("units", export_units, import_units),
        ("people", export_people, import_people),
        ("places", export_places, import_places),
        ("shifts", export_shifts, import_shifts),
    ],
)
def test_round_trip(
    fmt: Format,
    table: str,
    export: Callable[..., str],
    parse: Callable[..., ImportResult[Any]],
    tables: dict[str, list[object]],
) -> None:
    items = tables[table]
    text = export(items, fmt)
    back = parse(text, fmt)
    assert back.ok, back.errors
    assert list(back.items) == items
    assert export(back.items, fmt) == text


def test_people_csv_reads_like_a_spreadsheet(people: dict[str, Person]) -> None:
    text = export_people([people["zhang"]], Format.CSV)
    assert text.splitlines() == [
        "id,name,unit_id,post,roles,skills,phone,channels,base_place_id",
        "zhang,张敏,xfs,信访室主任,incident_lead;petition_staff,counselling;reception,13800138001,,hall",
    ]


def test_places_yaml_reads_like_a_document(places: dict[str, Place]) -> None:
    assert export_places([places["tw2_office"]], Format.YAML) == (
        "places:\n- id: tw2_office\n  name: 河西乡政府\n  unit_id: tw2\n  place_type: other\n"
    )
