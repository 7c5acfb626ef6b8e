"""A small county: commission, townships, a street, an enterprise, outside departments, a roster."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from responders.organisation import Person, Place, Role, Skill, Unit, UnitKind
from responders.roster import Post, Roster, Shift

CST = timezone(timedelta(hours=8))
DAY_START = datetime(2024, 5, 6, 8, 30, tzinfo=CST)
NOON = datetime(2024, 5, 6, 12, 0, tzinfo=CST)
DAY_END = datetime(2024, 5, 6, 17, 30, tzinfo=CST)

UNITS = (
    Unit(id="cc", name="县纪委监委", kind=UnitKind.COUNTY_COMMISSION),
    Unit(id="xfs", name="信访室", kind=UnitKind.PETITION_OFFICE, parent_id="cc"),
    Unit(id="tw1", name="城关镇", kind=UnitKind.TOWNSHIP, parent_id="cc"),
    Unit(id="tw2", name="河西乡", kind=UnitKind.TOWNSHIP, parent_id="cc"),
    Unit(id="st1", name="东城街道", kind=UnitKind.STREET, parent_id="cc"),
    Unit(id="soe1", name="县电力公司", kind=UnitKind.STATE_ENTERPRISE, parent_id="cc"),
    Unit(id="gaj", name="县公安局", kind=UnitKind.PUBLIC_SECURITY, phone="0571-110"),
    Unit(id="pcs", name="城关派出所", kind=UnitKind.PUBLIC_SECURITY, parent_id="gaj"),
    Unit(id="wjw", name="县卫健局", kind=UnitKind.HEALTH),
    Unit(id="xwb", name="县委办", kind=UnitKind.PARTY_COMMITTEE_OFFICE),
    Unit(id="zfb", name="县政府办", kind=UnitKind.GOVERNMENT_OFFICE),
)

PLACES = (
    Place(id="hall", name="接待大厅", unit_id="xfs", lat=30.0000, lon=120.0000),
    Place(id="gate", name="机关大门", unit_id="cc", lat=30.0009, lon=120.0000),
    Place(id="compound", name="县委大院", unit_id="xwb", lat=30.0050, lon=120.0030),
    Place(id="tw1_office", name="城关镇政府", unit_id="tw1", lat=30.0200, lon=120.0100),
    Place(id="tw2_office", name="河西乡政府", unit_id="tw2"),
    Place(id="tw2_square", name="河西乡广场", unit_id="tw2"),
)

PEOPLE = (
    Person(
        id="wang",
        name="王书记",
        unit_id="cc",
        post="副书记",
        roles=frozenset({Role.LEADER_IN_CHARGE, Role.COMMISSION_LEADER}),
        base_place_id="compound",
    ),
    Person(
        id="zhang",
        name="张敏",
        unit_id="xfs",
        post="信访室主任",
        roles=frozenset({Role.PETITION_STAFF, Role.INCIDENT_LEAD}),
        skills=frozenset({Skill.RECEPTION, Skill.COUNSELLING}),
        phone="13800138001",
        base_place_id="hall",
    ),
    Person(
        id="li",
        name="李强",
        unit_id="xfs",
        roles=frozenset({Role.PETITION_STAFF}),
        skills=frozenset({Skill.RECEPTION, Skill.LEGAL_POLICY}),
        base_place_id="gate",
    ),
    Person(
        id="zhao",
        name="赵磊",
        unit_id="tw1",
        roles=frozenset({Role.LIAISON}),
        skills=frozenset({Skill.COUNSELLING}),
        base_place_id="tw1_office",
    ),
    Person(
        id="chen",
        name="陈静",
        unit_id="tw2",
        roles=frozenset({Role.LIAISON}),
        skills=frozenset({Skill.COUNSELLING}),
        base_place_id="tw2_office",
    ),
    Person(
        id="sun",
        name="孙涛",
        unit_id="pcs",
        roles=frozenset({Role.CONTACT}),
        skills=frozenset({Skill.POLICE_LIAISON}),
    ),
    Person(id="zhou", name="周医生", unit_id="wjw", skills=frozenset({Skill.MEDICAL})),
)


def shift(shift_id: str, holder: str, unit: str, post: Post) -> Shift:
    return Shift(id=shift_id, unit_id=unit, post=post, start=DAY_START, end=DAY_END, holder_id=holder)


ROSTER = Roster(
    shifts=(
        shift("s-wang", "wang", "cc", Post.LEADER_ON_DUTY),
        shift("s-zhang", "zhang", "xfs", Post.DUTY_OFFICER),
        shift("s-li", "li", "xfs", Post.RECEPTION),
        shift("s-zhao", "zhao", "tw1", Post.STANDBY),
        shift("s-chen", "chen", "tw2", Post.STANDBY),
    )
)


@pytest.fixture
def people() -> dict[str, Person]:
    return {p.id: p for p in PEOPLE}


@pytest.fixture
def places() -> dict[str, Place]:
    return {p.id: p for p in PLACES}


@pytest.fixture
def roster() -> Roster:
    return ROSTER


@pytest.fixture
def units() -> list[Unit]:
    return list(UNITS)
