"""The engine's step states, actions and deadlines, table-driven over the shipped playbooks."""

from __future__ import annotations

from datetime import datetime

import pytest
from playbook_support import T0, at, run, snapshot, statuses

from playbooks.engine import NaiveDatetimeError, evaluate, next_deadline
from playbooks.facts import IncidentFacts, IncidentType, Level, PlaceType
from playbooks.history import (
    ActionFired,
    DecisionRecorded,
    FactsChanged,
    HistoryRecord,
    ReportFiled,
    RunActivated,
    RunClosed,
    StepCompleted,
    StepSkipped,
)
from playbooks.state import ActionKind, ReportStatus, StepStatus
from playbooks.timeline import NotActivatedError

GATE = IncidentFacts(
    incident_type=IncidentType.SIT_IN,
    head_count=60,
    place_type=PlaceType.PARTY_GOV_GATE,
    leader_car_involved=True,
)
DISPATCHED: list[HistoryRecord] = [
    StepCompleted(at=at(2), step_id="start_response"),
    StepCompleted(at=at(4), step_id="notify_leader"),
    StepCompleted(at=at(12), step_id="dispatch_team", note="8 人到场"),
]


def test_sit_in_at_the_main_gate_starts_major_with_the_expected_steps() -> None:
    state = run("sit_in", GATE, [], 0)
    assert state.level is Level.MAJOR and state.grading.rule_id == "gate_involved"
    assert set(state.grading.matched_rules) == {"gate_involved", "leader_car_intercepted", "crowd_major"}
    assert statuses(state) == {
        "start_response": "due_soon",  # due in 3 minutes, inside the 5-minute window
        "call_emergency": "not_applicable",  # no weapon, no self-harm
        "register_violence_incident": "not_applicable",
        "notify_leader": "due_soon",
        "leader_ack": "blocked",  # once the leader has been told
        "notify_commission_head": "ready",  # tier II: the commission head is told
        "dispatch_team": "blocked",
        "local_unit": "ready",  # the home township is called within 10 minutes
        "local_unit_on_site_town": "blocked",  # until we know which kind of unit it is
        "local_unit_on_site_township": "blocked",
        "alert_police_station": "blocked",
        "clear_leader_car": "blocked",  # opened by leader_car_involved
        "keep_gate_open": "blocked",  # opened by the gate
        "leader_on_site": "blocked",  # opened by level >= major
        "persuade": "blocked",
        "choose_representatives": "blocked",
        "police_assistance": "ready",  # not held behind persuasion (a gate may be stormed)
        "police_on_site": "blocked",  # until the police decision is taken
        "record_scene": "blocked",
        "separate_organisers": "blocked",
        "public_notice": "blocked",
        "approve_forcible_measures": "blocked",
        "forcible_measures": "blocked",
        "medical_standby": "ready",  # 60 >= 30
        "logistics_support": "ready",
        "public_information": "ready",  # tier III and above: one agreed public line
        "jurisdiction": "blocked",
        "send_up_tell_head": "blocked",
        "send_up": "blocked",
        "send_up_direct": "not_applicable",  # not a report about the commission head
        "transfer_and_guide": "blocked",
        "confirm_dispersed": "blocked",
        "observe": "blocked",
        "aftercare": "blocked",
        "review": "blocked",
    }
    assert state.step("start_response").due_at == at(3)
    assert state.step("police_on_site").blocked_by == ("police_assistance",)
    assert state.report("initial").due_at == at(30) and state.report("initial").status is ReportStatus.READY
    assert state.actions == () and state.next_deadline == at(3)


def test_the_same_sit_in_in_a_square_skips_the_gate_and_car_steps() -> None:
    calm = GATE.model_copy(
        update={"head_count": 12, "place_type": "public_place", "leader_car_involved": False}
    )
    state = run("sit_in", calm, DISPATCHED, 13)
    assert state.level is Level.LARGER
    for step_id in (
        "clear_leader_car",
        "keep_gate_open",
        "leader_on_site",
        "medical_standby",
        "logistics_support",
    ):
        assert state.step(step_id).status is StepStatus.NOT_APPLICABLE, step_id
    assert state.step("persuade").status is StepStatus.READY


@pytest.mark.parametrize(
    ("minutes", "status", "keys"),
    [
        (0, StepStatus.DUE_SOON, []),
        (2.9, StepStatus.DUE_SOON, []),
        (3, StepStatus.OVERDUE, ["remind:step:start_response"]),
        (12.9, StepStatus.OVERDUE, ["remind:step:start_response"]),
        (13, StepStatus.OVERDUE, ["remind:step:start_response", "escalate:step:start_response"]),
    ],
)
def test_reminder_then_escalation(minutes: float, status: StepStatus, keys: list[str]) -> None:
    state = run("sit_in", GATE, [], minutes)
    assert state.step("start_response").status is status
    assert [a.key for a in state.actions if a.step_id == "start_response"] == keys


def test_escalation_goes_to_the_leader_in_charge() -> None:
    action = next(a for a in run("sit_in", GATE, [], 13).actions if a.key == "escalate:step:start_response")
    assert (
        action.kind is ActionKind.ESCALATE and action.role == "leader_in_charge" and action.fire_at == at(13)
    )


def test_fired_actions_are_not_offered_again() -> None:
    first = run("sit_in", GATE, [], 40)
    fired = [ActionFired(at=at(40), key=a.key) for a in first.actions]
    assert len(fired) > 3
    assert run("sit_in", GATE, fired, 40).actions == ()
    assert run("sit_in", GATE, fired, 41).actions == ()


def test_done_steps_unblock_their_dependents_and_stop_reminders() -> None:
    state = run("sit_in", GATE, DISPATCHED, 13)
    assert state.step("dispatch_team").status is StepStatus.DONE
    assert state.step("dispatch_team").note == "8 人到场"
    assert state.step("persuade").status is StepStatus.READY and state.step("persuade").due_at == at(30)
    assert state.step("clear_leader_car").status is StepStatus.DUE_SOON
    assert not any(a.step_id in {"start_response", "notify_leader"} for a in state.actions)


@pytest.mark.parametrize(
    ("option", "police_on_site"),
    [("requested", StepStatus.READY), ("not_needed", StepStatus.NOT_APPLICABLE)],
)
def test_police_step_follows_the_decision(option: str, police_on_site: StepStatus) -> None:
    history = [
        *DISPATCHED,
        StepCompleted(at=at(25), step_id="persuade", note="劝导无效"),
        DecisionRecorded(at=at(28), step_id="police_assistance", option=option, reason="不听劝告，继续堵门"),
    ]
    state = run("sit_in", GATE, history, 30)
    assert state.step("police_assistance").status is StepStatus.DONE
    assert state.step("police_assistance").option == option
    assert state.step("police_on_site").status is police_on_site
    if police_on_site is StepStatus.READY:
        assert state.step("police_on_site").due_at == at(28 + 15)  # counted from the decision


@pytest.mark.parametrize(
    ("option", "opened"),
    [("handle_here", set()), ("send_up", {"send_up"}), ("transfer", {"transfer_and_guide"})],
)
def test_jurisdiction_opens_its_follow_up(option: str, opened: set[str]) -> None:
    history = [
        *DISPATCHED,
        StepCompleted(at=at(25), step_id="persuade"),
        DecisionRecorded(at=at(40), step_id="jurisdiction", option=option, reason="属本级受理范围"),
    ]
    state = run("sit_in", GATE, history, 41)
    follow_ups = {"send_up", "transfer_and_guide"}
    assert {s for s in follow_ups if state.step(s).status is not StepStatus.NOT_APPLICABLE} == opened


def test_skipped_steps_count_as_resolved() -> None:
    history = [*DISPATCHED, StepSkipped(at=at(20), step_id="persuade", reason="人员已自行离开")]
    state = run("sit_in", GATE, history, 21)
    assert state.step("persuade").status is StepStatus.SKIPPED
    assert state.step("persuade").note == "人员已自行离开"
    assert state.step("jurisdiction").status is StepStatus.READY


def test_a_wait_step_completes_when_its_action_fires() -> None:
    history = [
        *DISPATCHED,
        StepCompleted(at=at(20), step_id="persuade"),
        StepCompleted(at=at(50), step_id="confirm_dispersed"),
    ]
    before = run("sit_in", GATE, history, 79)
    assert before.step("observe").status is StepStatus.DUE_SOON and before.step("observe").due_at == at(80)
    due = run("sit_in", GATE, history, 80)
    wait = [a for a in due.actions if a.step_id == "observe"]
    assert [(a.kind, a.key) for a in wait] == [(ActionKind.WAIT_ELAPSED, "wait:step:observe")]
    after = run("sit_in", GATE, [*history, ActionFired(at=at(80), key="wait:step:observe")], 81)
    assert after.step("observe").status is StepStatus.DONE
    assert after.step("review").due_at == at(50 + 5 * 24 * 60)  # counted from confirm_dispersed


def test_reports_initial_then_followups_every_two_hours_then_final_at_close() -> None:
    state = run("sit_in", GATE, [], 31)
    # tier II: the phone report was due at 15 (escalated at 25), the written one at 30
    assert [a.key for a in state.actions if a.obligation_id] == [
        "report_due:initial_phone:1",
        "escalate:report:initial_phone:1",
        "report_due:initial:1",
    ]
    filed = [ReportFiled(at=at(25), obligation_id="initial")]
    state = run("sit_in", GATE, filed, 26)
    assert state.report("initial").status is ReportStatus.DONE
    assert state.report("followup").due_at == at(25 + 120)
    filed.append(ReportFiled(at=at(140), obligation_id="followup"))
    state = run("sit_in", GATE, filed, 141)
    assert state.report("followup").occurrence == 2 and state.report("followup").due_at == at(260)
    assert state.report("final").status is ReportStatus.WAITING
    closed: list[HistoryRecord] = [*filed, RunClosed(at=at(200))]
    state = run("sit_in", GATE, closed, 201)
    assert state.report("followup").status is ReportStatus.DONE
    assert state.report("final").due_at == at(200 + 24 * 60)
    late = run("sit_in", GATE, closed, 200 + 24 * 60)
    assert [a.key for a in late.actions] == ["report_due:final:1"]  # no step reminders after close


def test_important_collective_visit_reports_upward_but_a_small_one_does_not() -> None:
    small = run(
        "collective_visit", IncidentFacts(incident_type=IncidentType.COLLECTIVE_VISIT, head_count=8), [], 0
    )
    assert small.report("initial").status is ReportStatus.NOT_APPLICABLE
    assert small.step("leader_receives").status is StepStatus.NOT_APPLICABLE
    big = run(
        "collective_visit", IncidentFacts(incident_type=IncidentType.COLLECTIVE_VISIT, head_count=35), [], 0
    )
    assert big.report("initial").status is ReportStatus.READY
    assert big.step("leader_receives").status is StepStatus.BLOCKED


def test_facts_changing_mid_run_open_steps_counted_from_the_change() -> None:
    small = IncidentFacts(incident_type=IncidentType.COLLECTIVE_VISIT, head_count=8)
    grown = FactsChanged(at=at(40), facts=small.model_copy(update={"head_count": 35}))
    done = StepCompleted(at=at(3), step_id="register")
    before = run("collective_visit", small, [done], 39)
    assert before.step("notify_leader").status is StepStatus.NOT_APPLICABLE
    after = run("collective_visit", small, [done, grown], 41)
    assert after.level is Level.LARGER
    assert after.step("notify_leader").status is StepStatus.READY
    assert after.step("notify_leader").due_at == at(40 + 10)  # not 10 minutes after activation
    assert after.report("initial").due_at == at(40 + 60)
    assert after.step("register").status is StepStatus.DONE


def test_done_stays_done_when_facts_make_a_step_not_apply() -> None:
    history = [*DISPATCHED, StepCompleted(at=at(14), step_id="clear_leader_car")]
    gone = FactsChanged(at=at(20), facts=GATE.model_copy(update={"leader_car_involved": False}))
    state = run("sit_in", GATE, [*history, gone], 21)
    assert state.step("clear_leader_car").status is StepStatus.DONE


def test_next_deadline_is_the_earliest_change() -> None:
    snap = snapshot("sit_in")
    history: list[HistoryRecord] = [RunActivated(at=T0)]
    assert next_deadline(snap, GATE, history, T0) == at(3)
    assert next_deadline(snap, GATE, history, at(3)) == at(5)  # notify_leader falls due
    fired = [ActionFired(at=at(40), key=a.key) for a in evaluate(snap, GATE, history, at(40)).actions]
    # the police decision is not held behind persuasion: it falls due at 45 minutes
    assert next_deadline(snap, GATE, [*history, *fired], at(40)) == at(45)


def test_records_after_now_are_ignored_but_wake_the_timer() -> None:
    later = StepCompleted(at=at(2), step_id="start_response")
    state = run("sit_in", GATE, [later], 1)
    assert state.step("start_response").status is StepStatus.DUE_SOON
    assert state.next_deadline == at(2)


def test_deterministic_and_independent_of_record_order() -> None:
    history = [*DISPATCHED, StepCompleted(at=at(20), step_id="persuade")]
    a = run("sit_in", GATE, history, 50)
    b = run("sit_in", GATE, list(reversed(history)), 50)
    assert a == b


def test_now_must_carry_a_time_zone() -> None:
    with pytest.raises(NaiveDatetimeError):
        evaluate(snapshot("sit_in"), GATE, [RunActivated(at=T0)], datetime(2024, 9, 30, 9, 0))


def test_a_run_needs_its_activation() -> None:
    with pytest.raises(NotActivatedError):
        evaluate(snapshot("sit_in"), GATE, [], at(1))


def test_overdue_count_for_the_board() -> None:
    state = run("sit_in", GATE, [], 31)
    # start_response, notify_leader, notify_commission_head, local_unit, medical, logistics, both 首报
    assert state.overdue_count == 8
