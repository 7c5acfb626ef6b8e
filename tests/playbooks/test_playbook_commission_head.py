"""主要负责同志: told at tier II and above, and the one an overdue step of the leader in charge reaches."""

from __future__ import annotations

import pytest
from playbook_support import at, run, snapshot

from playbooks.facts import IncidentFacts, IncidentType, Level, PlaceType
from playbooks.history import StepCompleted
from playbooks.model import ResponseRole
from playbooks.state import ActionKind, StepStatus

SHIPPED = ["collective_visit", "cross_level_visit", "sit_in", "violence", "screening", "repeat_petitioner"]
GATE = IncidentFacts(incident_type=IncidentType.SIT_IN, head_count=60, place_type=PlaceType.PARTY_GOV_GATE)
SQUARE = IncidentFacts(incident_type=IncidentType.SIT_IN, head_count=8, place_type=PlaceType.PUBLIC_PLACE)


@pytest.mark.parametrize("playbook_id", SHIPPED)
def test_every_playbook_has_the_commission_head(playbook_id: str) -> None:
    pb = snapshot(playbook_id).playbook
    assert ResponseRole.COMMISSION_HEAD in pb.roles
    step = pb.step("notify_commission_head")
    assert step is not None and step.when is not None and step.when.level_at_least is Level.MAJOR


def test_the_head_is_told_at_tier_two_not_below() -> None:
    assert run("sit_in", GATE, [], 0).step("notify_commission_head").status is not StepStatus.NOT_APPLICABLE
    assert run("sit_in", SQUARE, [], 0).step("notify_commission_head").status is StepStatus.NOT_APPLICABLE


def test_an_overdue_step_of_the_leader_escalates_to_the_head_others_to_the_leader() -> None:
    told = [StepCompleted(at=at(1), step_id="notify_leader")]
    state = run("sit_in", GATE, told, 40)
    escalations = {a.step_id: a.role for a in state.actions if a.kind is ActionKind.ESCALATE}
    assert escalations["leader_ack"] is ResponseRole.COMMISSION_HEAD
    assert escalations["start_response"] is ResponseRole.LEADER_IN_CHARGE


@pytest.mark.parametrize("playbook_id", [p for p in SHIPPED if p != "screening"])
def test_the_leader_acknowledges_within_ten_minutes_of_activation(playbook_id: str) -> None:
    pb = snapshot(playbook_id).playbook
    ack = pb.step("leader_ack")
    assert (
        ack is not None and ack.role is ResponseRole.LEADER_IN_CHARGE and ack.depends_on == ("notify_leader",)
    )
    facts = IncidentFacts(incident_type=pb.serves[0], head_count=60)
    state = run(playbook_id, facts, [StepCompleted(at=at(3), step_id="notify_leader")], 4)
    assert state.step("leader_ack").due_at == at(10)
