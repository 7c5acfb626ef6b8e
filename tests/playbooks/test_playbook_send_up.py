"""报送上级 (2020 rules art. 15): the head is told at once, the material goes up within 5 working days;
信息发布: one agreed public line at tier III and above."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playbook_support import T0, at, run, snapshot

from playbooks.engine import evaluate
from playbooks.facts import GradingThresholds, IncidentFacts
from playbooks.history import DecisionRecorded, HistoryRecord, RunActivated, StepCompleted
from playbooks.model import add_working_days
from playbooks.state import StepStatus
from playbooks.validation import ancestors

SHIPPED = ["collective_visit", "cross_level_visit", "sit_in", "violence", "screening", "repeat_petitioner"]
INCIDENTS = [p for p in SHIPPED if p != "screening"]
BEIJING = ZoneInfo("Asia/Shanghai")


def _sent_up(playbook_id: str) -> tuple[IncidentFacts, list[HistoryRecord]]:
    facts = IncidentFacts(incident_type=snapshot(playbook_id).playbook.serves[0], head_count=12)
    pb = snapshot(playbook_id).playbook
    jurisdiction = pb.step("jurisdiction")
    assert jurisdiction is not None
    # Everything the decision waits for is done, then it is sent up.
    history: list[HistoryRecord] = [StepCompleted(at=at(1), step_id=s) for s in sorted(_needs(playbook_id))]
    history.append(DecisionRecorded(at=at(2), step_id="jurisdiction", option="send_up", reason="属上级管辖"))
    return facts, history


def _needs(playbook_id: str) -> set[str]:
    """The steps (not decisions) the disposition waits for."""
    pb = snapshot(playbook_id).playbook
    return {s.id for s in pb.steps if s.id in ancestors(pb, "jurisdiction") and s.decision is None}


@pytest.mark.parametrize("playbook_id", SHIPPED)
def test_sending_up_tells_the_head_at_once_then_sends_within_five_working_days(playbook_id: str) -> None:
    facts, history = _sent_up(playbook_id)
    decided = history
    state = run(playbook_id, facts, decided, 3)
    assert state.step("send_up_tell_head").due_at == at(32)
    assert state.step("send_up").status is StepStatus.BLOCKED
    told = StepCompleted(at=at(10), step_id="send_up_tell_head")
    state = run(playbook_id, facts, [*decided, told], 11)
    # T0 is Monday 30 September 2024, 17:00 in Beijing: five working days on is Monday 7 October.
    assert state.step("send_up").due_at == at(10) + timedelta(days=7)
    step = snapshot(playbook_id).playbook.step("send_up")
    assert step is not None and step.guidance is not None and "第十五条" in step.guidance.zh


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (datetime(2024, 10, 4, 9, tzinfo=BEIJING), 1, datetime(2024, 10, 7, 9, tzinfo=BEIJING)),  # Fri -> Mon
        (datetime(2024, 10, 5, 9, tzinfo=BEIJING), 1, datetime(2024, 10, 7, 9, tzinfo=BEIJING)),  # Sat -> Mon
        (datetime(2024, 10, 7, 9, tzinfo=BEIJING), 5, datetime(2024, 10, 14, 9, tzinfo=BEIJING)),
        (datetime(2024, 10, 7, 9, tzinfo=BEIJING), 0, datetime(2024, 10, 7, 9, tzinfo=BEIJING)),
    ],
)
def test_working_days_skip_the_weekend(start: datetime, days: int, end: datetime) -> None:
    assert add_working_days(start.astimezone(UTC), days, BEIJING) == end


def test_the_working_days_are_a_setting() -> None:
    facts, history = _sent_up("sit_in")
    told = StepCompleted(at=at(10), step_id="send_up_tell_head")
    records = [RunActivated(at=T0), *history, told]
    state = evaluate(snapshot("sit_in"), facts, records, at(11), GradingThresholds(send_up_working_days=2))
    assert state.step("send_up").due_at == at(10) + timedelta(days=2)  # Monday evening -> Wednesday


@pytest.mark.parametrize("playbook_id", INCIDENTS)
def test_one_public_line_at_tier_three_and_above(playbook_id: str) -> None:
    pb = snapshot(playbook_id).playbook
    step = pb.step("public_information")
    assert step is not None and step.guidance is not None
    assert all(word in step.guidance.zh for word in ("宣传部", "网信", "统一口径", "未经批准", "接受采访"))
    low = IncidentFacts(incident_type=pb.serves[0], head_count=1)
    high = IncidentFacts(incident_type=pb.serves[0], head_count=60)
    if pb.grading.default_level == "general":
        assert run(playbook_id, low, [], 0).step("public_information").status is StepStatus.NOT_APPLICABLE
    assert run(playbook_id, high, [], 0).step("public_information").status is not StepStatus.NOT_APPLICABLE
