"""回避 (2020 rules art. 15): a report about this commission's own head goes straight to the higher
commission; the head's steps stand aside with the reason, and nothing is asked of the head."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playbook_support import T0, at, run, snapshot

from playbooks.checks import CheckCode, check_decision
from playbooks.engine import evaluate
from playbooks.facts import GradingThresholds, IncidentFacts
from playbooks.history import DecisionRecorded, FactsChanged, HistoryRecord, RunActivated, StepCompleted
from playbooks.loader import parse_playbook
from playbooks.model import ResponseRole
from playbooks.state import ActionKind, StepStatus
from playbooks.validation import ancestors

SHIPPED = ["collective_visit", "cross_level_visit", "sit_in", "violence", "screening", "repeat_petitioner"]
HEAD_STEPS = ("notify_commission_head", "send_up_tell_head", "send_up")
RECUSAL = "回避"


def _facts(playbook_id: str, *, about_head: bool, head_count: int = 60) -> IncidentFacts:
    pb = snapshot(playbook_id).playbook
    return IncidentFacts(incident_type=pb.serves[0], head_count=head_count, about_commission_head=about_head)


def _sent_up(playbook_id: str, minutes: float = 2) -> list[HistoryRecord]:
    """Everything the disposition waits for is done, then it is sent up at `minutes`."""
    pb = snapshot(playbook_id).playbook
    needs = sorted(s.id for s in pb.steps if s.id in ancestors(pb, "jurisdiction") and s.decision is None)
    history: list[HistoryRecord] = [StepCompleted(at=at(1), step_id=s) for s in needs]
    history.append(DecisionRecorded(at=at(minutes), step_id="jurisdiction", option="send_up", reason="径送"))
    return history


@pytest.mark.parametrize("playbook_id", SHIPPED)
def test_every_playbook_says_which_steps_stand_aside_and_what_replaces_them(playbook_id: str) -> None:
    pb = snapshot(playbook_id).playbook
    assert pb.recusal is not None and pb.recusal.role is ResponseRole.COMMISSION_HEAD
    assert pb.recusal.reason.zh.startswith(RECUSAL)
    assert {s.id for s in pb.steps if s.stands_aside} == set(HEAD_STEPS)
    send_up = pb.step("send_up")
    assert send_up is not None and send_up.replaced_by == "send_up_direct"
    direct = pb.step("send_up_direct")
    assert direct is not None and direct.due.setting == "send_up_direct"
    assert direct.due.after == "jurisdiction"
    assert direct.guidance is not None and "第十五条" in direct.guidance.zh and "径送" in direct.guidance.zh


@pytest.mark.parametrize("playbook_id", SHIPPED)
def test_about_the_head_his_steps_are_skipped_with_the_reason_and_it_goes_straight_up(
    playbook_id: str,
) -> None:
    facts = _facts(playbook_id, about_head=True)
    state = run(playbook_id, facts, _sent_up(playbook_id, 2), 3)
    for step_id in HEAD_STEPS:
        step = state.step(step_id)
        assert step.status is StepStatus.SKIPPED, (step_id, step.status)
        assert step.note.startswith(RECUSAL) and step.resolved_at == T0
    # T0 is Monday 30 September 2024, 17:00 in Beijing: five working days after the disposition at
    # 17:02 is Monday 7 October, with no head to tell first.
    direct = state.step("send_up_direct")
    assert direct.status is StepStatus.READY and direct.due_at == at(2) + timedelta(days=7)
    assert not [a for a in state.actions if a.role is ResponseRole.COMMISSION_HEAD]


@pytest.mark.parametrize("playbook_id", SHIPPED)
def test_an_ordinary_report_tells_the_head_and_has_no_direct_step(playbook_id: str) -> None:
    state = run(playbook_id, _facts(playbook_id, about_head=False), _sent_up(playbook_id, 2), 3)
    assert state.step("send_up_tell_head").status is StepStatus.READY
    assert state.step("send_up_direct").status is StepStatus.NOT_APPLICABLE
    assert state.step("notify_commission_head").note == ""


def test_the_direct_deadline_is_a_setting_of_its_own() -> None:
    facts = _facts("sit_in", about_head=True)
    records = [RunActivated(at=T0), *_sent_up("sit_in", 2)]
    quick = GradingThresholds(send_up_direct_working_days=1, send_up_working_days=5)
    state = evaluate(snapshot("sit_in"), facts, records, at(3), quick)
    assert state.step("send_up_direct").due_at == at(2) + timedelta(days=1)  # Monday -> Tuesday


def test_escalations_to_the_head_stand_aside_and_the_reminder_stays() -> None:
    told = [StepCompleted(at=at(1), step_id="notify_leader")]
    plain = run("sit_in", _facts("sit_in", about_head=False), told, 40)
    recused = run("sit_in", _facts("sit_in", about_head=True), told, 40)
    assert ("leader_ack", ResponseRole.COMMISSION_HEAD) in {
        (a.step_id, a.role) for a in plain.actions if a.kind is ActionKind.ESCALATE
    }
    kinds = {(a.step_id, a.kind) for a in recused.actions}
    assert ("leader_ack", ActionKind.REMIND) in kinds and ("leader_ack", ActionKind.ESCALATE) not in kinds
    assert all(a.role is not ResponseRole.COMMISSION_HEAD for a in recused.actions)


def test_marked_later_the_head_stands_aside_from_then_and_what_was_done_stays_done() -> None:
    facts = _facts("sit_in", about_head=False)
    marked = FactsChanged(at=at(20), facts=facts.model_copy(update={"about_commission_head": True}))
    history: list[HistoryRecord] = [StepCompleted(at=at(5), step_id="notify_commission_head"), marked]
    history += _sent_up("sit_in", 30)
    state = run("sit_in", facts, history, 31)
    assert state.step("notify_commission_head").status is StepStatus.DONE  # done stays done
    tell = state.step("send_up_tell_head")
    assert tell.status is StepStatus.SKIPPED and tell.resolved_at == at(20) and tell.note.startswith(RECUSAL)
    assert state.step("send_up_direct").due_at is not None


@pytest.mark.parametrize("option", ["handle_here", "transfer"])
def test_a_report_about_the_head_can_only_be_sent_up(option: str) -> None:
    snap = snapshot("collective_visit")
    facts = _facts("collective_visit", about_head=True)
    error = check_decision(snap, facts, "jurisdiction", option, "本级办理")
    assert error is not None and error.code is CheckCode.ABOUT_COMMISSION_HEAD_GOES_UP
    assert check_decision(snap, facts, "jurisdiction", "send_up", "径送上一级") is None


TINY = """\
id: tiny
version: 1
title:
  zh: 小预案
  en: Tiny playbook
serves: [other]
roles: [duty_officer, field_commander, info_reporter, leader_in_charge, commission_head]
recusal:
  when: {fact: about_commission_head}
  role: commission_head
  reason:
    zh: 回避
    en: Recusal
steps:
  - id: tell_head
    title:
      zh: 报告主要负责同志
      en: Tell the head
    role: duty_officer
    kind: notify
    stands_aside: true
    replaced_by: go_up
  - id: go_up
    title:
      zh: 径送上一级
      en: Straight up
    role: info_reporter
    kind: report
  - id: jurisdiction
    title:
      zh: 分办决定
      en: Disposition
    role: field_commander
    kind: decision
    decision: {kind: jurisdiction}
"""


def test_the_tiny_recusal_loads() -> None:
    result = parse_playbook(TINY, file="tiny.yaml")
    assert result.errors == () and result.snapshot is not None


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("    replaced_by: go_up", "    replaced_by: nowhere", "steps[0].replaced_by", "'nowhere' is not"),
        ("    replaced_by: go_up", "    replaced_by: tell_head", "steps[0].replaced_by", "not another step"),
        ("    stands_aside: true\n", "", "steps[0].replaced_by", "only a step that stands aside"),
        (
            "    kind: report\n",
            "    kind: report\n    stands_aside: true\n",
            "steps[0].replaced_by",
            "'go_up' stands aside itself",
        ),
        (
            "    decision: {kind: jurisdiction}\n",
            "    decision: {kind: jurisdiction}\n    stands_aside: true\n",
            "steps[2].stands_aside",
            "a decision step cannot stand aside",
        ),
        (
            "  when: {fact: about_commission_head}",
            "  when: {level_at_least: major}",
            "recusal.when",
            "facts only",
        ),
        (", commission_head]", "]", "recusal.role", "not listed in this playbook's roles"),
        ("  when: {fact: about_commission_head}", "  when: {fact: moon}", "recusal.when.fact", "Input"),
    ],
)
def test_a_broken_recusal_is_named(old: str, new: str, field: str, message: str) -> None:
    assert old in TINY
    result = parse_playbook(TINY.replace(old, new, 1), file="bad.yaml")
    assert result.snapshot is None
    assert any(e.field == field and message in e.message for e in result.errors), result.errors


def test_standing_aside_needs_the_recusal_block() -> None:
    start, end = TINY.index("recusal:"), TINY.index("steps:")
    result = parse_playbook(TINY[:start] + TINY[end:], file="bad.yaml")
    assert any(e.field == "steps[0].stands_aside" and "recusal" in e.message for e in result.errors)
