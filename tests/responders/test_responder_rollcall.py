"""Roll call (清点人数)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from responders.rollcall import RollCallError, confirm, start_rollcall, summarise, unconfirmed

T0 = datetime(2024, 5, 6, 10, 0, tzinfo=timezone(timedelta(hours=8)))


def test_roll_call_flags_who_has_not_confirmed() -> None:
    rc = start_rollcall(
        rollcall_id="rc1",
        incident_id="INC-7",
        started_by="zhang",
        people=["li", "wang", "zhang", "li"],
        now=T0,
        within_minutes=5,
    )
    assert rc.expected == ("li", "wang", "zhang") and rc.deadline == T0 + timedelta(minutes=5)
    rc = confirm(rc, "zhang", actor_id="zhang", now=T0 + timedelta(minutes=1), place_id="gate")
    rc = confirm(rc, "li", actor_id="zhang", now=T0 + timedelta(minutes=2))
    rc = confirm(
        rc, "li", actor_id="li", now=T0 + timedelta(minutes=3)
    )  # a second tap keeps the first answer

    early = unconfirmed(rc, T0 + timedelta(minutes=4))
    assert [(u.person_id, u.overdue, u.waiting) for u in early] == [("wang", False, timedelta(minutes=4))]
    late = unconfirmed(rc, T0 + timedelta(minutes=5))
    assert [(u.person_id, u.overdue) for u in late] == [("wang", True)]
    confirmation = rc.confirmation("li")
    assert (
        confirmation is not None
        and confirmation.on_behalf
        and confirmation.confirmed_at == T0 + timedelta(minutes=2)
    )

    summary = summarise(rc, T0 + timedelta(minutes=6))
    assert (summary.expected, summary.confirmed, summary.unconfirmed, summary.overdue) == (3, 2, 1, True)
    rc = confirm(rc, "wang", actor_id="wang", now=T0 + timedelta(minutes=7))
    summary = summarise(rc, T0 + timedelta(minutes=7))
    assert (summary.complete, summary.late, summary.overdue) == (True, 1, False)
    assert unconfirmed(rc, T0 + timedelta(minutes=7)) == []


@pytest.mark.parametrize(("people", "minutes"), [([], 5), (["li"], 0)])
def test_roll_call_needs_people_and_a_window(people: list[str], minutes: int) -> None:
    with pytest.raises(RollCallError):
        start_rollcall(
            rollcall_id="rc", incident_id="I", started_by="z", people=people, now=T0, within_minutes=minutes
        )


def test_only_people_on_the_roll_call_can_confirm() -> None:
    rc = start_rollcall(
        rollcall_id="rc", incident_id="I", started_by="z", people=["li"], now=T0, within_minutes=5
    )
    with pytest.raises(RollCallError, match="not on roll call"):
        confirm(rc, "stranger", actor_id="stranger", now=T0)
