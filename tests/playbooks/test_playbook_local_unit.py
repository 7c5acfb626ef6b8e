"""属地: the petitioners' township or unit sends a responsible person, unless it is the one accused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playbook_support import T0, at, run, snapshot
from pydantic import ValidationError

from playbooks.checks import check_record
from playbooks.engine import evaluate
from playbooks.facts import GradingThresholds, IncidentFacts
from playbooks.history import DecisionRecorded, HistoryRecord, RunActivated, StepSkipped
from playbooks.state import StepStatus

WITH_LOCAL_UNIT = ["collective_visit", "cross_level_visit", "sit_in", "repeat_petitioner"]


def _facts(playbook_id: str) -> IncidentFacts:
    return IncidentFacts(incident_type=snapshot(playbook_id).playbook.serves[0], head_count=12)


@pytest.mark.parametrize("playbook_id", WITH_LOCAL_UNIT)
@pytest.mark.parametrize(("option", "minutes"), [("town", 20), ("township", 30)])
def test_the_local_unit_comes_within_its_minutes(playbook_id: str, option: str, minutes: int) -> None:
    facts = _facts(playbook_id)
    assert run(playbook_id, facts, [], 0).step("local_unit").status in (StepStatus.READY, StepStatus.DUE_SOON)
    called = DecisionRecorded(at=at(4), step_id="local_unit", option=option)
    snap = snapshot(playbook_id)
    assert check_record(snap, facts, [RunActivated(at=T0)], called) is None  # no reason needed to call them
    state = run(playbook_id, facts, [called], 5)
    other = "township" if option == "town" else "town"
    assert state.step(f"local_unit_on_site_{option}").due_at == at(4 + minutes)
    assert state.step(f"local_unit_on_site_{other}").status is StepStatus.NOT_APPLICABLE


@pytest.mark.parametrize("playbook_id", WITH_LOCAL_UNIT)
def test_the_accused_township_stands_aside_with_the_reason_recorded(playbook_id: str) -> None:
    facts = _facts(playbook_id)
    snap = snapshot(playbook_id)
    with pytest.raises(ValidationError):
        StepSkipped(at=at(2), step_id="local_unit", reason="")
    recused = StepSkipped(at=at(2), step_id="local_unit", reason="被反映对象为该镇党委书记，属地回避")
    assert check_record(snap, facts, [RunActivated(at=T0)], recused) is None
    state = run(playbook_id, facts, [recused], 3)
    assert state.step("local_unit").status is StepStatus.SKIPPED
    assert state.step("local_unit").note == "被反映对象为该镇党委书记，属地回避"
    for step_id in ("local_unit_on_site_town", "local_unit_on_site_township"):
        assert state.step(step_id).status is StepStatus.NOT_APPLICABLE


def test_the_local_unit_minutes_are_settings() -> None:
    snap = snapshot("sit_in")
    facts = _facts("sit_in")
    history: list[HistoryRecord] = [
        RunActivated(at=T0),
        DecisionRecorded(at=T0, step_id="local_unit", option="township"),
    ]
    state = evaluate(snap, facts, history, T0, GradingThresholds(local_unit_township_minutes=45))
    assert state.step("local_unit_on_site_township").due_at == T0 + timedelta(minutes=45)


@pytest.mark.parametrize("playbook_id", ["violence", "screening"])
def test_no_local_unit_step_where_the_issue_does_not_ask_for_one(playbook_id: str) -> None:
    assert snapshot(playbook_id).playbook.step("local_unit") is None
