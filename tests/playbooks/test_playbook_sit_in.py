"""静坐、围堵: police not held behind persuasion, coercion only with the leader's recorded approval, 日报."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playbook_support import T0, at, run, snapshot

from playbooks.checks import CheckCode, check_record
from playbooks.engine import evaluate
from playbooks.facts import GradingThresholds, IncidentFacts, IncidentType, PlaceType
from playbooks.history import DecisionRecorded, HistoryRecord, ReportFiled, RunActivated, StepCompleted
from playbooks.state import ReportStatus, RunState, StepStatus

STORMED = IncidentFacts(incident_type=IncidentType.SIT_IN, head_count=40, place_type=PlaceType.PARTY_GOV_GATE)


def test_police_can_be_asked_at_once_when_the_gate_is_stormed() -> None:
    state = run("sit_in", STORMED, [], 1)
    assert state.step("persuade").status is StepStatus.BLOCKED
    assert state.step("police_assistance").status is StepStatus.READY
    asked = DecisionRecorded(at=at(1), step_id="police_assistance", option="requested", reason="正在冲击大门")
    assert check_record(snapshot("sit_in"), STORMED, [RunActivated(at=T0)], asked) is None


def _police_here() -> list[HistoryRecord]:
    return [
        StepCompleted(at=at(2), step_id="start_response"),
        DecisionRecorded(at=at(3), step_id="police_assistance", option="requested", reason="冲击大门"),
        StepCompleted(at=at(10), step_id="dispatch_team"),
        StepCompleted(at=at(12), step_id="police_on_site"),
    ]


def test_coercive_measures_wait_for_the_notice_and_the_leaders_recorded_approval() -> None:
    history = _police_here()
    state = run("sit_in", STORMED, history, 13)
    approve = state.step("approve_forcible_measures")
    assert approve.status is StepStatus.BLOCKED and approve.blocked_by == ("public_notice",)
    assert state.step("forcible_measures").status is StepStatus.BLOCKED
    history.append(StepCompleted(at=at(14), step_id="public_notice", note="已公告，责令10分钟内离开"))
    state = run("sit_in", STORMED, history, 15)
    assert state.step("approve_forcible_measures").role == "leader_in_charge"
    full = [RunActivated(at=T0), *history]
    unexplained = DecisionRecorded(at=at(16), step_id="approve_forcible_measures", option="approved")
    error = check_record(snapshot("sit_in"), STORMED, full, unexplained)
    assert error is not None and error.code is CheckCode.REASON_REQUIRED
    approved = unexplained.model_copy(update={"reason": "公告后仍冲击大门，经指挥部研究批准"})
    assert check_record(snapshot("sit_in"), STORMED, full, approved) is None
    state = run("sit_in", STORMED, [*history, approved], 17)
    assert state.step("forcible_measures").status is StepStatus.READY


def test_no_approval_no_coercive_measures() -> None:
    history = [
        *_police_here(),
        StepCompleted(at=at(14), step_id="public_notice"),
        DecisionRecorded(
            at=at(16), step_id="approve_forcible_measures", option="not_approved", reason="继续劝导"
        ),
    ]
    assert run("sit_in", STORMED, history, 17).step("forcible_measures").status is StepStatus.NOT_APPLICABLE


@pytest.mark.parametrize("step_id", ["record_scene", "separate_organisers", "public_notice"])
def test_the_scene_is_recorded_organisers_separated_and_a_notice_given(step_id: str) -> None:
    step = snapshot("sit_in").playbook.step(step_id)
    assert step is not None and step.depends_on == ("dispatch_team",)
    police = snapshot("sit_in").playbook.step("police_on_site")
    assert police is not None and police.guidance is not None and "三慎" in police.guidance.zh


# 2024-09-30 09:00 UTC is 17:00 in Beijing; the sit-in passes 24 h at 17:00 on 1 October.
def _bj(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 10, day, tzinfo=UTC) + timedelta(hours=hour - 8, minutes=minute)


def _sit_in(
    history: list[HistoryRecord], now: datetime, thresholds: GradingThresholds | None = None
) -> RunState:
    return evaluate(
        snapshot("sit_in"), STORMED, [RunActivated(at=T0), *history], now, thresholds or GradingThresholds()
    )


def test_two_hourly_follow_ups_give_way_to_a_daily_report_after_a_day() -> None:
    filed: list[HistoryRecord] = [ReportFiled(at=at(20), obligation_id="initial")]
    first_day = _sit_in(filed, T0 + timedelta(hours=23))
    assert first_day.report("followup").status is ReportStatus.OVERDUE
    assert first_day.report("daily").status is ReportStatus.WAITING
    assert first_day.next_deadline is not None and first_day.next_deadline <= _bj(1, 17)
    later = _sit_in(filed, _bj(1, 17, 1))
    assert later.report("followup").status is ReportStatus.DONE
    assert later.report("daily").due_at == _bj(1, 17)
    morning = _sit_in([*filed, ReportFiled(at=_bj(1, 17, 5), obligation_id="daily")], _bj(1, 18))
    assert morning.report("daily").due_at == _bj(2, 8)
    afternoon = _sit_in(
        [
            *filed,
            ReportFiled(at=_bj(1, 17, 5), obligation_id="daily"),
            ReportFiled(at=_bj(2, 7, 50), obligation_id="daily"),
        ],
        _bj(2, 9),
    )
    assert afternoon.report("daily").due_at == _bj(2, 17)  # filed early, it answered the 08:00 report


def test_after_a_silence_the_next_daily_hour_is_owed_not_the_backlog() -> None:
    history: list[HistoryRecord] = [
        ReportFiled(at=at(20), obligation_id="initial"),
        ReportFiled(at=_bj(1, 17, 5), obligation_id="daily"),
        ReportFiled(at=_bj(4, 10), obligation_id="daily"),
    ]
    assert _sit_in(history, _bj(4, 11)).report("daily").due_at == _bj(4, 17)


def test_daily_hours_and_the_first_day_are_settings() -> None:
    short = GradingThresholds(
        daily_report_after_hours=6, daily_report_morning_hour=9, daily_report_afternoon_hour=18
    )
    state = _sit_in([ReportFiled(at=at(20), obligation_id="initial")], T0 + timedelta(hours=7), short)
    assert state.report("followup").status is ReportStatus.DONE
    assert state.report("daily").due_at == _bj(1, 9)  # 6 h after 17:00 is 23:00; the next hour is 09:00
    with pytest.raises(ValueError, match="morning"):
        GradingThresholds(daily_report_morning_hour=18, daily_report_afternoon_hour=8)
