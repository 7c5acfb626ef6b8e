"""回放 of the scripted sit-in at three instants in both modes; 陈队长 arrived at 09:16, entered at 09:31."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from script import INCIDENT, at, scripted

from review.replay import Mode, ReplayState, replay

EVENTS = scripted().events


def people(state: ReplayState) -> dict[str, tuple[str, str | None, float | None, bool | None]]:
    """person -> (status, place, minutes the status was reported late, known at the instant)."""
    return {
        p.person_id: (
            p.status,
            p.place_id,
            p.late_report.late_by / timedelta(minutes=1) if p.late_report else None,
            p.late_report.known_then if p.late_report else None,
        )
        for p in state.people
    }


def steps(state: ReplayState) -> dict[str, str]:
    wanted = ("start_response", "notify_leader", "leader_ack", "dispatch_team", "alert_police_station")
    return {s.step_id: s.status for s in state.steps if s.step_id in wanted}


def test_before_the_late_fact_both_modes_agree() -> None:
    for mode in Mode:
        state = replay(INCIDENT, EVENTS, at(10), mode)
        assert state.level == "extraordinary"  # the leader's override at 09:06
        assert people(state) == {"p-chen": ("acknowledged", "gate", None, None)}
        assert steps(state) == {
            "start_response": "done",
            "notify_leader": "done",
            "leader_ack": "overdue",
            "dispatch_team": "due_soon",
            "alert_police_station": "overdue",
        }
        assert state.late_reports == ()


def test_while_the_arrival_was_not_yet_entered() -> None:
    known = replay(INCIDENT, EVENTS, at(20), Mode.KNOWN)
    happened = replay(INCIDENT, EVENTS, at(20), Mode.HAPPENED)
    assert people(known) == {
        "p-chen": ("acknowledged", "gate", None, None),
    }
    # what we now know: he had been on the scene since 09:16, reported 15 minutes late, unknown at 09:20
    assert people(happened) == {"p-chen": ("on_scene", "gate", 15.0, False)}
    assert [(x.position, x.known_then) for x in happened.late_reports] == [(13, False)]
    assert known.late_reports == ()
    for state in (known, happened):
        assert steps(state)["dispatch_team"] == "done"
        assert steps(state)["alert_police_station"] == "overdue"
    assert happened.event_count == known.event_count + 1


def test_after_the_arrival_was_entered() -> None:
    known = replay(INCIDENT, EVENTS, at(35), Mode.KNOWN)
    happened = replay(INCIDENT, EVENTS, at(35), Mode.HAPPENED)
    for state in (known, happened):
        assert people(state) == {
            "p-chen": ("on_scene", "gate", 15.0, True),
            "p-liu": ("acknowledged", "gate", None, None),
        }
        assert steps(state)["alert_police_station"] == "skipped"
        assert [x.position for x in state.late_reports] == [13]
    assert known.event_count == happened.event_count
