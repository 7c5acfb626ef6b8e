"""Weapons, explosives, violence or self-harm: 110/120 (119) within minutes in every playbook."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playbook_support import T0, at, run, snapshot

from playbooks.engine import evaluate
from playbooks.facts import GradingThresholds, IncidentFacts, IncidentType
from playbooks.history import FactsChanged, RunActivated
from playbooks.state import StepStatus

OTHERS = ["collective_visit", "cross_level_visit", "sit_in", "screening", "repeat_petitioner"]
DANGER = [{"dangerous_items": True}, {"violence_or_self_harm": True}]


def _facts(playbook_id: str, **kw: bool) -> IncidentFacts:
    pb = snapshot(playbook_id).playbook
    return IncidentFacts.model_validate({"incident_type": pb.serves[0], "head_count": 8, **kw})


@pytest.mark.parametrize("playbook_id", OTHERS)
@pytest.mark.parametrize("danger", DANGER)
def test_danger_calls_for_help_and_a_separate_violence_incident(
    playbook_id: str, danger: dict[str, bool]
) -> None:
    state = run(playbook_id, _facts(playbook_id, **danger), [], 0)
    call = state.step("call_emergency")
    assert call.status in (StepStatus.READY, StepStatus.DUE_SOON)
    assert call.due_at == at(2) and call.role == "duty_officer"
    assert state.step("register_violence_incident").status in (StepStatus.READY, StepStatus.DUE_SOON)
    step = snapshot(playbook_id).playbook.step("call_emergency")
    assert step is not None and step.guidance is not None
    assert all(number in step.guidance.zh for number in ("110", "120", "119"))


@pytest.mark.parametrize("playbook_id", OTHERS)
def test_no_danger_no_call(playbook_id: str) -> None:
    state = run(playbook_id, _facts(playbook_id), [], 0)
    assert state.step("call_emergency").status is StepStatus.NOT_APPLICABLE
    assert state.step("register_violence_incident").status is StepStatus.NOT_APPLICABLE


def test_danger_appearing_mid_run_gets_its_full_minutes_from_then() -> None:
    calm = _facts("collective_visit")
    armed = calm.model_copy(update={"dangerous_items": True})
    state = run("collective_visit", calm, [FactsChanged(at=at(40), facts=armed)], 41)
    assert state.step("call_emergency").due_at == at(42)
    assert state.step("call_emergency").status is StepStatus.DUE_SOON


def test_the_call_deadline_is_a_setting() -> None:
    snap = snapshot("sit_in")
    facts = _facts("sit_in", violence_or_self_harm=True)
    slow = GradingThresholds(emergency_call_minutes=7)
    state = evaluate(snap, facts, [RunActivated(at=T0)], T0, slow)
    assert state.step("call_emergency").due_at == T0 + timedelta(minutes=7)


def test_violence_staff_calm_the_person_while_the_police_come() -> None:
    facts = IncidentFacts(incident_type=IncidentType.VIOLENCE, head_count=1, violence_or_self_harm=True)
    state = run("violence", facts, [], 0)
    calm = state.step("calm_person")
    assert calm.status in (StepStatus.READY, StepStatus.DUE_SOON) and calm.blocked_by == ()
    assert state.step("police_on_site").status is StepStatus.BLOCKED  # the police are not here yet
    assert state.step("call_police").due_at == at(2)
    call = snapshot("violence").playbook.step("call_police")
    assert call is not None and call.guidance is not None and "119" in call.guidance.zh
