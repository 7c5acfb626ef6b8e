"""A named place carries its place type (地点类型): imported, checked with its row and column, exported."""

from __future__ import annotations

import pytest

from console.demo_org import PLACES as DEMO_PLACES
from playbooks.facts import PlaceType
from responders.io import Format, export_places, import_places

HEADER = "id,name,unit_id,lat,lon,place_type\n"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("party_gov_gate", PlaceType.PARTY_GOV_GATE),
        ("党政机关大门", PlaceType.PARTY_GOV_GATE),
        ("信访接待场所", PlaceType.RECEPTION_HALL),
        ("township_office", PlaceType.TOWNSHIP_OFFICE),
        ("", PlaceType.OTHER),
    ],
)
def test_a_place_type_is_read_by_its_value_or_its_chinese_name(cell: str, expected: PlaceType) -> None:
    result = import_places(HEADER + f"gate,机关大门,,,,{cell}\n", Format.CSV)
    assert result.ok, result.errors
    assert result.items[0].place_type is expected


def test_a_file_without_the_column_gives_other_places() -> None:
    result = import_places("id,name\nhall,接待大厅\n", Format.CSV)
    assert result.ok and result.items[0].place_type is PlaceType.OTHER


def test_an_unknown_place_type_names_its_row_and_column_and_imports_nothing() -> None:
    text = HEADER + "hall,接待大厅,,,,reception_hall\ngate,机关大门,,,,大门口\n"
    result = import_places(text, Format.CSV)
    assert result.items == ()
    assert [(e.row, e.column) for e in result.errors] == [(3, "place_type")]
    error = result.errors[0]
    assert "'大门口'" in error.message and "取值不在允许范围内" in error.message_zh

    yaml = (
        "- {id: hall, name: 接待大厅, place_type: reception_hall}\n"
        "- {id: gate, name: 机关大门, place_type: gate}\n"
    )
    refused = import_places(yaml, Format.YAML)
    assert [(e.row, e.column) for e in refused.errors] == [(2, "place_type")]


@pytest.mark.parametrize("fmt", [Format.CSV, Format.YAML])
def test_export_and_import_keep_the_place_type(fmt: Format) -> None:
    again = import_places(export_places(DEMO_PLACES, fmt), fmt)
    assert again.ok, again.errors
    assert {p.id: p.place_type for p in again.items} == {p.id: p.place_type for p in DEMO_PLACES}


def test_the_demo_countys_gates_and_halls_carry_their_type() -> None:
    kinds = {p.name: p.place_type for p in DEMO_PLACES}
    assert kinds["机关大门"] is kinds["县委大院"] is PlaceType.PARTY_GOV_GATE
    assert kinds["接待大厅"] is PlaceType.RECEPTION_HALL
    assert kinds["城关镇政府"] is PlaceType.TOWNSHIP_OFFICE
