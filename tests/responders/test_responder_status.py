"""The responder status machine: every legal move, every illegal one, and per-person assignments."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from responders.status import (
    PRESENT,
    BusyElsewhere,
    IllegalTransition,
    Move,
    MoveDetailError,
    PersonState,
    ResponderStatus,
    StatusError,
    check_move,
    legal_moves,
    transition,
)

S, M = ResponderStatus, Move

# Written out again by hand on purpose: a change to the machine must be a deliberate change to this table too.
LEGAL = {
    (S.OFF_DUTY, M.SIGN_ON): S.AVAILABLE,
    (S.OFF_DUTY, M.MARK_UNAVAILABLE): S.UNAVAILABLE,
    (S.AVAILABLE, M.DISPATCH): S.DISPATCHED,
    (S.AVAILABLE, M.SIGN_OFF): S.OFF_DUTY,
    (S.AVAILABLE, M.MARK_UNAVAILABLE): S.UNAVAILABLE,
    (S.DISPATCHED, M.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.DISPATCHED, M.RELEASE): S.CLEARED,
    (S.ACKNOWLEDGED, M.DEPART): S.EN_ROUTE,
    (S.ACKNOWLEDGED, M.ARRIVE): S.ON_SCENE,
    (S.ACKNOWLEDGED, M.RELEASE): S.CLEARED,
    (S.EN_ROUTE, M.ARRIVE): S.ON_SCENE,
    (S.EN_ROUTE, M.RELEASE): S.CLEARED,
    (S.ON_SCENE, M.MOVE_TO): S.ON_SCENE,
    (S.ON_SCENE, M.CLEAR): S.CLEARED,
    (S.ON_SCENE, M.RELEASE): S.CLEARED,
    (S.CLEARED, M.DISPATCH): S.DISPATCHED,
    (S.CLEARED, M.MAKE_AVAILABLE): S.AVAILABLE,
    (S.CLEARED, M.SIGN_OFF): S.OFF_DUTY,
    (S.CLEARED, M.MARK_UNAVAILABLE): S.UNAVAILABLE,
    (S.UNAVAILABLE, M.MAKE_AVAILABLE): S.AVAILABLE,
    (S.UNAVAILABLE, M.SIGN_OFF): S.OFF_DUTY,
}
ILLEGAL = [pair for pair in itertools.product(S, M) if pair not in LEGAL]


@pytest.mark.parametrize(("current", "move", "target"), [(c, m, t) for (c, m), t in LEGAL.items()])
def test_legal_move(current: ResponderStatus, move: Move, target: ResponderStatus) -> None:
    assert transition(current, move) is target
    assert move in legal_moves(current)


@pytest.mark.parametrize(("current", "move"), ILLEGAL)
def test_illegal_move_is_refused_with_what_was_expected(current: ResponderStatus, move: Move) -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition(current, move)
    error = caught.value
    assert (error.current, error.move) == (current, move)
    assert error.expected == tuple(m for m in M if (current, m) in LEGAL)
    assert move.value in error.text.en and current.value in error.text.en
    assert move.label.zh in error.text.zh and current.label.zh in error.text.zh


def test_every_pair_is_covered() -> None:
    assert len(LEGAL) + len(ILLEGAL) == len(S) * len(M)


def test_illegal_message_reads_in_both_languages() -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition(S.AVAILABLE, M.ARRIVE)
    assert (
        caught.value.text.en
        == "cannot arrive while available; expected one of: sign_off, mark_unavailable, dispatch"
    )
    assert caught.value.text.zh == "当前状态「待命」不能「到达现场」；可执行：下岗、标记暂不可派、派遣"


def on_scene_at(incident: str, place: str = "gate") -> PersonState:
    state = check_move(PersonState("p1"), None, M.SIGN_ON)
    state = check_move(state, incident, M.DISPATCH, place_id=place)
    state = check_move(state, incident, M.ACKNOWLEDGE)
    state = check_move(state, incident, M.DEPART)
    return check_move(state, incident, M.ARRIVE)


def place_of(state: PersonState, incident: str) -> str | None:
    assignment = state.assignment(incident)
    assert assignment is not None
    return assignment.place_id


def test_assignment_walks_through_to_cleared() -> None:
    state = on_scene_at("A")
    assert state.status is S.ON_SCENE
    assert place_of(state, "A") == "gate"
    state = check_move(state, "A", M.MOVE_TO, place_id="hall")
    assert place_of(state, "A") == "hall"
    state = check_move(state, "A", M.CLEAR)
    assert state.status is S.CLEARED and state.assignments == ()
    assert check_move(state, None, M.MAKE_AVAILABLE).status is S.AVAILABLE


def test_cannot_go_to_a_second_incident_while_on_scene() -> None:
    state = check_move(on_scene_at("A"), "B", M.DISPATCH)
    state = check_move(state, "B", M.ACKNOWLEDGE)
    assert state.status is S.ON_SCENE
    for move in (M.DEPART, M.ARRIVE):
        with pytest.raises(BusyElsewhere) as caught:
            check_move(state, "B", move)
        assert caught.value.other.incident_id == "A"
        assert "A" in caught.value.text.zh and "B" in caught.value.text.en
    state = check_move(state, "A", M.CLEAR)
    state = check_move(state, "B", M.ARRIVE, place_id="hall")
    assert state.status is S.ON_SCENE and state.assignment("B") is not None


def test_person_moves_refused_while_assigned() -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_move(on_scene_at("A"), None, M.SIGN_OFF)
    assert caught.value.current is S.ON_SCENE


@pytest.mark.parametrize(
    ("incident", "move", "kwargs"),
    [
        (None, M.DISPATCH, {}),
        ("A", M.SIGN_ON, {}),
        (None, M.MARK_UNAVAILABLE, {"reason": "  "}),
    ],
)
def test_missing_or_misplaced_details(incident: str | None, move: Move, kwargs: dict[str, Any]) -> None:
    with pytest.raises(MoveDetailError):
        check_move(PersonState("p1"), incident, move, **kwargs)


def test_move_to_needs_a_place() -> None:
    with pytest.raises(MoveDetailError):
        check_move(on_scene_at("A"), "A", M.MOVE_TO)


def test_unavailable_keeps_its_reason_until_available() -> None:
    state = check_move(PersonState("p1"), None, M.MARK_UNAVAILABLE, reason=" 病假 ")
    assert (state.status, state.unavailable_reason) == (S.UNAVAILABLE, "病假")
    with pytest.raises(IllegalTransition):
        check_move(state, "A", M.DISPATCH)
    state = check_move(state, None, M.MAKE_AVAILABLE)
    assert (state.status, state.unavailable_reason) == (S.AVAILABLE, None)


def test_last_assignment_ending_makes_the_person_cleared() -> None:
    state = check_move(check_move(PersonState("p1", base=S.AVAILABLE), "A", M.DISPATCH), "B", M.DISPATCH)
    state = check_move(state, "A", M.RELEASE)
    assert state.status is S.DISPATCHED and state.base is S.AVAILABLE
    state = check_move(state, "B", M.RELEASE)
    assert state.status is S.CLEARED


moves = st.tuples(
    st.sampled_from(["A", "B", "C", None]), st.sampled_from(list(M)), st.sampled_from(["gate", "hall"])
)


@settings(max_examples=400, deadline=None)
@given(st.lists(moves, max_size=60))
def test_random_moves_never_put_a_person_on_scene_at_two_incidents(
    steps: list[tuple[str | None, Move, str]],
) -> None:
    state = PersonState("p1")
    for incident, move, place in steps:
        try:
            state = check_move(state, incident, move, place_id=place, reason="培训")
        except StatusError:
            continue
        on_scene = [a for a in state.assignments if a.status is S.ON_SCENE]
        present = [a for a in state.assignments if a.status in PRESENT]
        assert len(on_scene) <= 1
        assert len(present) <= 1
        assert len({a.incident_id for a in state.assignments}) == len(state.assignments)
        assert state.base in (S.OFF_DUTY, S.AVAILABLE, S.CLEARED, S.UNAVAILABLE)
        if state.assignments:
            assert state.base in (S.AVAILABLE, S.CLEARED)
