"""Dispatch recommendations: who ranks first, why, and who is left out."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from responders.organisation import Person, Place, Role, Skill
from responders.recommend import ReasonCode, Recommendation, from_states, haversine_km, recommend
from responders.roster import Post, Roster, Shift
from responders.status import PersonState, ResponderStatus

NOON = datetime(2024, 5, 6, 12, 0, tzinfo=timezone(timedelta(hours=8)))
R = ReasonCode


def ids(found: list[Recommendation]) -> list[str]:
    return [r.person_id for r in found]


def test_haversine_matches_a_known_distance() -> None:
    # One degree of latitude is about 111.2 km everywhere.
    assert haversine_km((30.0, 120.0), (31.0, 120.0)) == pytest.approx(111.2, abs=0.1)
    assert haversine_km((30.0, 120.0), (30.0, 120.0)) == 0.0


def test_nearest_counsellor_on_duty_comes_first(
    people: dict[str, Person], places: dict[str, Place], roster: Roster
) -> None:
    found = recommend(
        people=people.values(),
        statuses={},
        assignments={},
        roster=roster,
        places=places,
        incident_place="gate",
        need_skill=Skill.COUNSELLING,
        now=NOON,
    )
    # zhang is nearest but holds the duty desk: the free standby staff come first
    assert ids(found) == ["zhao", "chen", "zhang"]
    assert [r.rank for r in found] == [1, 2, 3]
    zhao, chen, zhang = found
    assert zhang.codes == (R.ON_DUTY, R.DESK_DUTY, R.HAS_SKILL, R.STATUS_ASSUMED, R.DISTANCE)
    assert zhang.distance_km == pytest.approx(0.1, abs=0.01)
    assert "谈话疏导" in zhang.reasons[2].text.zh and "Counselling" in zhang.reasons[2].text.en
    assert "接待大厅" in zhang.reasons[-1].text.zh
    assert zhao.distance_km is not None and zhao.distance_km > 2
    assert chen.codes[-1] is R.LOCATION_UNKNOWN and chen.distance_km is None


def test_person_already_at_the_place_ranks_first(
    people: dict[str, Person], places: dict[str, Place], roster: Roster
) -> None:
    found = recommend(
        people=people.values(),
        statuses={"li": ResponderStatus.AVAILABLE, "zhang": ResponderStatus.CLEARED},
        assignments={},
        roster=roster,
        places=places,
        incident_place="gate",
        need_skill=Skill.RECEPTION,
        now=NOON,
    )
    assert ids(found) == ["li", "zhang"]
    assert found[0].codes == (R.ON_DUTY, R.HAS_SKILL, R.AVAILABLE, R.AT_PLACE)
    assert found[0].distance_km == 0.0
    assert R.CLEARED in found[1].codes


def test_same_unit_beats_unknown_when_there_are_no_positions(
    people: dict[str, Person], places: dict[str, Place], roster: Roster
) -> None:
    found = recommend(
        people=people.values(),
        statuses={},
        assignments={},
        roster=roster,
        places=places,
        incident_place="tw2_square",
        need_skill=Skill.COUNSELLING,
        now=NOON,
    )
    assert ids(found) == ["chen", "zhao", "zhang"]  # the duty officer stays at the desk unless needed
    assert found[0].codes[-1] is R.SAME_UNIT
    assert all(r.codes[-1] is R.LOCATION_UNKNOWN for r in found[1:])


def test_current_location_overrides_base_place(
    people: dict[str, Person], places: dict[str, Place], roster: Roster
) -> None:
    found = recommend(
        people=people.values(),
        statuses={},
        assignments={},
        roster=roster,
        places=places,
        incident_place="gate",
        need_skill=Skill.COUNSELLING,
        locations={"zhao": "gate"},
        now=NOON,
    )
    assert ids(found)[0] == "zhao" and R.AT_PLACE in found[0].codes


def test_leader_on_duty_is_named(people: dict[str, Person], places: dict[str, Place], roster: Roster) -> None:
    found = recommend(
        people=people.values(),
        statuses={},
        assignments={},
        roster=roster,
        places=places,
        incident_place="gate",
        need_role=Role.LEADER_IN_CHARGE,
        now=NOON,
    )
    assert ids(found) == ["wang"]
    assert found[0].codes[:3] == (R.ON_DUTY, R.LEADER_ON_DUTY, R.HAS_ROLE)


@pytest.mark.parametrize(
    ("statuses", "assignments", "kwargs", "expected"),
    [
        pytest.param({}, {}, {}, ["zhao", "chen", "zhang"], id="everyone-free-desk-last"),
        pytest.param(
            {"zhang": ResponderStatus.UNAVAILABLE}, {}, {}, ["zhao", "chen"], id="unavailable-left-out"
        ),
        pytest.param({"zhao": ResponderStatus.OFF_DUTY}, {}, {}, ["chen", "zhang"], id="signed-off-left-out"),
        pytest.param(
            {"zhang": ResponderStatus.ON_SCENE}, {"zhang": ["X"]}, {}, ["zhao", "chen"], id="over-assigned"
        ),
        pytest.param(
            {"zhang": ResponderStatus.ON_SCENE},
            {"zhang": ["X"]},
            {"max_assignments": 2},
            ["zhao", "chen", "zhang"],
            id="busy-ranks-last-when-allowed",
        ),
        pytest.param(
            {"zhang": ResponderStatus.DISPATCHED},
            {"zhang": ["INC-1"]},
            {"max_assignments": 3, "incident_id": "INC-1"},
            ["zhao", "chen"],
            id="already-on-this-incident",
        ),
        pytest.param({}, {}, {"limit": 1}, ["zhao"], id="limit"),
        pytest.param({}, {}, {"now": NOON + timedelta(hours=8)}, [], id="nobody-on-duty-at-night"),
    ],
)
def test_who_is_left_out(
    people: dict[str, Person],
    places: dict[str, Place],
    roster: Roster,
    statuses: dict[str, ResponderStatus],
    assignments: dict[str, list[str]],
    kwargs: dict[str, object],
    expected: list[str],
) -> None:
    arguments: dict[str, Any] = {"now": NOON, **kwargs}
    found = recommend(
        people=people.values(),
        statuses=statuses,
        assignments=assignments,
        roster=roster,
        places=places,
        incident_place="gate",
        need_skill=Skill.COUNSELLING,
        **arguments,
    )
    assert ids(found) == expected
    busy = [r for r in found if r.open_assignments]
    assert all(R.OTHER_ASSIGNMENTS in r.codes for r in busy)


def test_people_not_on_the_roster_are_not_recommended(
    people: dict[str, Person], places: dict[str, Place], roster: Roster
) -> None:
    found = recommend(
        people=people.values(),
        statuses={"sun": ResponderStatus.AVAILABLE},
        assignments={},
        roster=roster,
        places=places,
        incident_place="gate",
        need_skill=Skill.POLICE_LIAISON,
        now=NOON,
    )
    assert found == []


@pytest.mark.parametrize(
    ("statuses", "assignments", "expected"),
    [
        # nobody busy: the free first, the desk after them, then who must be called in (zhou, wang
        # and li are not counsellors; sun is not on shift, nor a counsellor)
        pytest.param({}, {}, [("zhao", R.ON_DUTY), ("chen", R.ON_DUTY), ("zhang", R.DESK_DUTY)], id="free"),
        # on scene elsewhere: offered, after the free, and said to be there
        pytest.param(
            {"zhao": ResponderStatus.ON_SCENE},
            {"zhao": ["X"]},
            [("chen", R.ON_DUTY), ("zhang", R.DESK_DUTY), ("zhao", R.OTHER_ASSIGNMENTS)],
            id="on-scene-elsewhere-is-not-free",
        ),
        pytest.param(
            {"chen": ResponderStatus.UNAVAILABLE},
            {},
            [("zhao", R.ON_DUTY), ("zhang", R.DESK_DUTY)],
            id="refused",
        ),
    ],
)
def test_everyone_eligible_is_offered_in_order_with_the_reason(
    people: dict[str, Person],
    places: dict[str, Place],
    roster: Roster,
    statuses: dict[str, ResponderStatus],
    assignments: dict[str, list[str]],
    expected: list[tuple[str, ReasonCode]],
) -> None:
    found = recommend(
        people=people.values(),
        statuses=statuses,
        assignments=assignments,
        roster=roster,
        places=places,
        incident_place="gate",
        need_skill=Skill.COUNSELLING,
        now=NOON,
        limit=50,
        everyone=True,
    )
    assert ids(found) == [p for p, _code in expected]
    for r, (_person, code) in zip(found, expected, strict=True):
        assert code in r.codes
    busy = next((r for r in found if r.open_assignments), None)
    if busy is not None:
        assert "在现场" in next(x.text.zh for x in busy.reasons if x.code is R.OTHER_ASSIGNMENTS)


def test_everyone_includes_people_off_shift_last(
    people: dict[str, Person], places: dict[str, Place], roster: Roster
) -> None:
    found = recommend(
        people=people.values(),
        statuses={},
        assignments={},
        roster=roster,
        places=places,
        incident_place="gate",
        now=NOON,
        limit=50,
        everyone=True,
    )
    assert set(ids(found)) == set(people)  # all seven are offered
    off = [r for r in found if R.NOT_ON_SHIFT in r.codes]
    assert {r.person_id for r in off} == {"sun", "zhou"}
    assert ids(found)[-2:] == [r.person_id for r in off]
    assert all(R.ON_DUTY not in r.codes and R.STATUS_ASSUMED not in r.codes for r in off)
    assert all(r.status is ResponderStatus.OFF_DUTY for r in off)  # never shown as 待命


def test_from_states_feeds_recommend() -> None:
    states = [
        PersonState("a", base=ResponderStatus.AVAILABLE),
        PersonState("b", base=ResponderStatus.UNAVAILABLE, unavailable_reason="病假"),
    ]
    statuses, assignments = from_states(states)
    assert statuses == {"a": ResponderStatus.AVAILABLE, "b": ResponderStatus.UNAVAILABLE}
    assert assignments == {"a": (), "b": ()}


def test_unknown_incident_place_is_refused(
    people: dict[str, Person], places: dict[str, Place], roster: Roster
) -> None:
    with pytest.raises(ValueError, match="nowhere"):
        recommend(
            people=people.values(),
            statuses={},
            assignments={},
            roster=roster,
            places=places,
            incident_place="nowhere",
            now=NOON,
        )


def test_five_thousand_people_and_two_hundred_places_stay_interactive() -> None:
    rng = random.Random(5)
    places = {
        f"pl{i}": Place(id=f"pl{i}", name=f"地点{i}", lat=30 + rng.random() / 10, lon=120 + rng.random() / 10)
        for i in range(200)
    }
    skills = list(Skill)
    people = [
        Person(
            id=f"p{i}",
            name=f"人员{i}",
            unit_id=f"u{i % 40}",
            skills=frozenset(rng.sample(skills, 2)),
            base_place_id=f"pl{rng.randrange(200)}",
        )
        for i in range(5000)
    ]
    start = NOON - timedelta(hours=4)
    roster = Roster(
        shifts=tuple(
            Shift(
                id=f"s{i}",
                unit_id=p.unit_id,
                post=Post.STANDBY,
                start=start,
                end=NOON + timedelta(hours=4),
                holder_id=p.id,
            )
            for i, p in enumerate(people)
        )
    )
    statuses = {p.id: rng.choice([ResponderStatus.AVAILABLE, ResponderStatus.ON_SCENE]) for p in people}
    assignments = {pid: ["X"] for pid, s in statuses.items() if s is ResponderStatus.ON_SCENE}
    found = recommend(
        people=people,
        statuses=statuses,
        assignments=assignments,
        roster=roster,
        places=places,
        incident_place="pl0",
        need_skill=Skill.COUNSELLING,
        now=NOON,
        limit=10,
    )
    assert len(found) == 10
    distances = [r.distance_km for r in found]
    assert distances == sorted(d for d in distances if d is not None)
    # How fast this is gets measured in bench/, never asserted here.
