"""The organisation tree, people and places."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from responders.organisation import (
    DuplicatePlace,
    InvalidTree,
    Person,
    Place,
    Skill,
    Unit,
    UnitKind,
    ancestors,
    build_tree,
    check_new_place,
    descendants,
    roots,
    validate_units,
    within,
)

CC = Unit(id="cc", name="县纪委监委", kind=UnitKind.COUNTY_COMMISSION)


def unit(unit_id: str, parent: str | None, kind: UnitKind = UnitKind.TOWNSHIP) -> Unit:
    return Unit(id=unit_id, name=unit_id, kind=kind, parent_id=parent)


def test_tree_walks_up_and_down() -> None:
    tree = build_tree(
        [
            CC,
            unit("tw1", "cc"),
            unit("village", "tw1"),
            unit("soe", "cc", UnitKind.STATE_ENTERPRISE),
            unit("gaj", None, UnitKind.PUBLIC_SECURITY),
            unit("pcs", "gaj", UnitKind.PUBLIC_SECURITY),
        ]
    )
    assert [u.id for u in ancestors(tree, "village")] == ["tw1", "cc"]
    assert [u.id for u in descendants(tree, "cc")] == ["soe", "tw1", "village"]
    assert {u.id for u in roots(tree)} == {"cc", "gaj"}
    assert within(tree, "village", "cc") and within(tree, "cc", "cc") and not within(tree, "pcs", "cc")
    assert tree.units["gaj"].kind.is_outside and not tree.units["soe"].kind.is_outside


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        pytest.param([CC, unit("tw1", "nowhere")], [("tw1", "parent_id")], id="missing-parent"),
        pytest.param(
            [CC, unit("a", "b"), unit("b", "a")], [("a", "parent_id"), ("b", "parent_id")], id="cycle"
        ),
        pytest.param([CC, unit("a", "a")], [("a", "parent_id")], id="own-parent"),
        pytest.param([CC, CC], [("cc", "id")], id="duplicate"),
        pytest.param(
            [CC, unit("gaj", None, UnitKind.PUBLIC_SECURITY), unit("tw1", "gaj")],
            [("tw1", "parent_id")],
            id="township-under-police",
        ),
        pytest.param(
            [CC, Unit(id="cc2", name="x", kind=UnitKind.COUNTY_COMMISSION, parent_id="cc")],
            [("cc2", "parent_id")],
            id="commission-is-root",
        ),
    ],
)
def test_invalid_trees(units: list[Unit], expected: list[tuple[str, str]]) -> None:
    problems = validate_units(units)
    assert [(p.unit_id, p.field) for p in problems] == expected
    assert all(p.text.zh and p.text.en for p in problems)
    with pytest.raises(InvalidTree):
        build_tree(units)


def test_cycle_message_names_the_loop() -> None:
    problems = validate_units([CC, unit("a", "b"), unit("b", "c"), unit("c", "a"), unit("d", "a")])
    assert {p.unit_id for p in problems} == {"a", "b", "c"}
    assert "a → b → c" in problems[0].text.en


def test_skills_parse_from_chinese_terms() -> None:
    person = Person(id="p", name="张敏", unit_id="xfs", skills=frozenset({"信访接待", "谈话疏导", "medical"}))  # type: ignore[arg-type]
    assert person.skills == {Skill.RECEPTION, Skill.COUNSELLING, Skill.MEDICAL}
    assert Skill.LEGAL_POLICY.label.zh == "法律政策解释"


def test_place_position_needs_both_coordinates() -> None:
    assert Place(id="gate", name="机关大门", lat=30.1, lon=120.2).position == (30.1, 120.2)
    assert Place(id="hall", name="接待大厅").position is None
    with pytest.raises(ValidationError):
        Place(id="x", name="x", lat=30.1)
    with pytest.raises(ValidationError):
        Place(id="x", name="x", lat=91, lon=0)


def test_a_place_added_from_the_tablet_must_be_new() -> None:
    existing = [Place(id="gate", name="机关大门")]
    fresh = Place(id="p-new", name="广场东侧", lat=30.0, lon=120.0, added_by="zhang")
    assert check_new_place(existing, fresh) is fresh
    with pytest.raises(DuplicatePlace) as caught:
        check_new_place(existing, Place(id="p-2", name="机关大门"))
    assert "机关大门" in caught.value.text.zh


def test_people_are_immutable_and_strict() -> None:
    person = Person(id="p", name="张敏", unit_id="xfs")
    with pytest.raises(ValidationError):
        person.name = "x"  # type: ignore[misc,unused-ignore]
    with pytest.raises(ValidationError):
        Person(id="p", name="张敏", unit_id="xfs", nickname="敏")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Person(id="p", name="张敏", unit_id="xfs", phone="call me")
