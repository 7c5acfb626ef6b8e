"""Reporting scope: 首报 by phone and in writing by tier, 终报 only when it is owed, 善后 and 总结评估."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playbook_support import T0, at, run, snapshot

from playbooks.engine import evaluate
from playbooks.facts import GradingThresholds, IncidentFacts, IncidentType, PlaceType
from playbooks.history import RunActivated, RunClosed
from playbooks.state import ReportStatus, StepStatus

SIT_IN = IncidentType.SIT_IN
GATE = IncidentFacts(incident_type=SIT_IN, head_count=60, place_type=PlaceType.PARTY_GOV_GATE)  # tier II
SQUARE = IncidentFacts(incident_type=SIT_IN, head_count=8, place_type=PlaceType.PUBLIC_PLACE)  # tier III


@pytest.mark.parametrize(("facts", "phone", "written"), [(GATE, 15, 30), (SQUARE, 30, 60)])
def test_initial_report_deadlines_follow_the_tier(facts: IncidentFacts, phone: int, written: int) -> None:
    state = run("sit_in", facts, [], 0)
    assert state.report("initial_phone").due_at == at(phone)
    assert state.report("initial").due_at == at(written)


def test_initial_report_minutes_are_settings() -> None:
    fast = GradingThresholds(first_report_phone_minutes_major=5, first_report_written_minutes_major=20)
    state = evaluate(snapshot("sit_in"), GATE, [RunActivated(at=T0)], T0, fast)
    assert state.report("initial_phone").due_at == T0 + timedelta(minutes=5)
    assert state.report("initial").due_at == T0 + timedelta(minutes=20)


@pytest.mark.parametrize("playbook_id", ["collective_visit", "repeat_petitioner"])
@pytest.mark.parametrize(
    ("kw", "owed"),
    [
        ({"head_count": 3}, False),  # an ordinary visit owes no final report
        ({"head_count": 3, "requested_by_higher": True}, True),  # unless the higher level asked
        ({"head_count": 3, "sensitive_date": True}, True),  # tier III and above
    ],
)
def test_a_final_report_only_when_it_is_owed(playbook_id: str, kw: dict[str, object], owed: bool) -> None:
    pb = snapshot(playbook_id).playbook
    facts = IncidentFacts(incident_type=pb.serves[0], **kw)  # type: ignore[arg-type]
    state = run(playbook_id, facts, [RunClosed(at=at(60))], 61)
    expected = ReportStatus.READY if owed else ReportStatus.NOT_APPLICABLE
    assert state.report("final").status is expected


@pytest.mark.parametrize("playbook_id", ["collective_visit", "cross_level_visit", "sit_in", "violence"])
def test_aftercare_and_a_written_evaluation(playbook_id: str) -> None:
    pb = snapshot(playbook_id).playbook
    aftercare, review = pb.step("aftercare"), pb.step("review")
    assert aftercare is not None and aftercare.guidance is not None and "稳控" in aftercare.guidance.zh
    assert "承诺" in aftercare.guidance.zh
    assert review is not None and review.guidance is not None and review.title.zh.startswith("总结评估")
    assert all(word in review.guidance.zh for word in ("书面", "预案", "问题线索"))


def test_the_evaluation_opens_once_people_have_left() -> None:
    from playbooks.history import StepCompleted

    done = [StepCompleted(at=at(m), step_id=s) for m, s in ((2, "register"), (10, "dispatch_staff"))]
    done += [StepCompleted(at=at(20), step_id="assess"), StepCompleted(at=at(50), step_id="guide_and_defuse")]
    done.append(StepCompleted(at=at(90), step_id="confirm_dispersed"))
    facts = IncidentFacts(incident_type=IncidentType.COLLECTIVE_VISIT, head_count=12)
    state = run("collective_visit", facts, done, 91)
    assert state.step("aftercare").due_at == at(90) + timedelta(days=7)
    assert state.step("review").due_at == at(90) + timedelta(days=5)
    assert state.step("review").status is StepStatus.READY
