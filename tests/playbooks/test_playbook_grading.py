"""Grading: facts to level through the playbooks' rules, thresholds as settings, overrides that win."""

from __future__ import annotations

from typing import Any

import pytest
from playbook_support import T0, at, run, snapshot

from playbooks.engine import evaluate
from playbooks.facts import EventGrade, GradingThresholds, IncidentFacts, Level, event_grade
from playbooks.grading import grade
from playbooks.history import FactsChanged, HistoryRecord, LevelOverridden, RunActivated


def facts(incident_type: str, **kw: Any) -> IncidentFacts:
    return IncidentFacts(incident_type=incident_type, **kw)  # type: ignore[arg-type]


GRADING_TABLE: list[tuple[str, dict[str, Any], Level, str | None]] = [
    # sit-in: radical acts start at larger; gate, leader's car or 50+ make it major; 100+ or danger worse
    ("sit_in", {"head_count": 8, "place_type": "public_place"}, Level.LARGER, None),
    ("sit_in", {"head_count": 8, "place_type": "party_gov_gate"}, Level.MAJOR, "gate_involved"),
    ("sit_in", {"head_count": 3, "leader_car_involved": True}, Level.MAJOR, "leader_car_intercepted"),
    ("sit_in", {"head_count": 3, "place_type": "leader_car"}, Level.MAJOR, "leader_car_intercepted"),
    ("sit_in", {"head_count": 49}, Level.LARGER, None),
    ("sit_in", {"head_count": 50}, Level.MAJOR, "crowd_major"),
    (
        "sit_in",
        {"head_count": 60, "place_type": "party_gov_gate", "leader_car_involved": True},
        Level.MAJOR,
        "gate_involved",
    ),
    ("sit_in", {"head_count": 100}, Level.EXTRAORDINARY, "crowd_extraordinary"),
    ("sit_in", {"head_count": 10, "dangerous_items": True}, Level.EXTRAORDINARY, "danger_or_violence"),
    (
        "sit_in",
        {"head_count": 60, "sensitive_date": True},
        Level.EXTRAORDINARY,
        "large_crowd_on_sensitive_date",
    ),
    # collective visit: 5+ people is general; 30 larger; 50 major; 100 extraordinary; sensitive dates raise it
    ("collective_visit", {"head_count": 5}, Level.GENERAL, None),
    ("collective_visit", {"head_count": 29}, Level.GENERAL, None),
    ("collective_visit", {"head_count": 30}, Level.LARGER, "crowd_larger"),
    ("collective_visit", {"head_count": 10, "sensitive_date": True}, Level.LARGER, "sensitive_date"),
    (
        "collective_visit",
        {"head_count": 30, "sensitive_date": True},
        Level.MAJOR,
        "larger_crowd_on_sensitive_date",
    ),
    ("collective_visit", {"head_count": 50}, Level.MAJOR, "crowd_major"),
    ("collective_visit", {"head_count": 150}, Level.EXTRAORDINARY, "crowd_extraordinary"),
    ("collective_visit", {"head_count": 8, "violence_or_self_harm": True}, Level.MAJOR, "danger_or_violence"),
    # cross-level visits start at larger
    ("cross_level_visit", {"head_count": 6}, Level.LARGER, None),
    ("cross_level_visit", {"head_count": 6, "sensitive_date": True}, Level.MAJOR, "sensitive_date"),
    ("cross_level_visit", {"head_count": 120}, Level.EXTRAORDINARY, "crowd_extraordinary"),
    # violence starts at major
    ("violence", {"head_count": 1, "violence_or_self_harm": True}, Level.MAJOR, None),
    ("violence", {"head_count": 1, "dangerous_items": True}, Level.EXTRAORDINARY, "dangerous_items"),
    (
        "violence",
        {"head_count": 6, "violence_or_self_harm": True},
        Level.EXTRAORDINARY,
        "violence_in_a_crowd",
    ),
    # calm-time and single-person playbooks
    ("screening", {"head_count": 0}, Level.GENERAL, None),
    ("screening", {"head_count": 0, "sensitive_date": True}, Level.LARGER, "sensitive_period"),
    ("repeat_petitioner", {"head_count": 1}, Level.GENERAL, None),
    ("repeat_petitioner", {"head_count": 7}, Level.LARGER, "with_a_group"),
    (
        "repeat_petitioner",
        {"head_count": 1, "violence_or_self_harm": True},
        Level.MAJOR,
        "danger_or_self_harm",
    ),
]


@pytest.mark.parametrize(("playbook_id", "kw", "level", "rule"), GRADING_TABLE)
def test_grading_table(playbook_id: str, kw: dict[str, Any], level: Level, rule: str | None) -> None:
    pb = snapshot(playbook_id).playbook
    state = run(playbook_id, facts(pb.serves[0], **kw), [], 0)
    assert (state.level, state.grading.rule_id) == (level, rule)
    assert not state.grading.overridden


def test_thresholds_are_settings_not_constants() -> None:
    pb = snapshot("collective_visit").playbook
    crowd = facts("collective_visit", head_count=25)
    assert grade(pb.grading, crowd, GradingThresholds()).level is Level.GENERAL
    lower = GradingThresholds(head_count_larger=20, head_count_major=40, head_count_extraordinary=80)
    assert grade(pb.grading, crowd, lower).level is Level.LARGER


def test_thresholds_must_rise() -> None:
    with pytest.raises(ValueError, match="must not decrease"):
        GradingThresholds(head_count_larger=60, head_count_major=50)


def test_level_names_are_response_tiers_and_grades_keep_the_national_names() -> None:
    assert [(lv.roman, lv.zh) for lv in Level] == [
        ("IV", "Ⅳ级响应"),
        ("III", "Ⅲ级响应"),
        ("II", "Ⅱ级响应"),
        ("I", "Ⅰ级响应"),
    ]
    assert [(g.roman, g.zh) for g in EventGrade] == [
        ("IV", "一般"),
        ("III", "较大"),
        ("II", "重大"),
        ("I", "特别重大"),
    ]


EVENT_GRADES: list[tuple[int, str, EventGrade]] = [
    (1, "other", EventGrade.GENERAL),
    (99, "public_place", EventGrade.GENERAL),
    (100, "public_place", EventGrade.LARGER),
    (999, "public_place", EventGrade.LARGER),
    (1000, "public_place", EventGrade.MAJOR),
    (2999, "public_place", EventGrade.MAJOR),
    (3000, "public_place", EventGrade.EXTRAORDINARY),
    # at a sensitive site (党政机关大门) smaller gatherings reach the same grades
    (49, "party_gov_gate", EventGrade.GENERAL),
    (50, "party_gov_gate", EventGrade.LARGER),
    (100, "party_gov_gate", EventGrade.MAJOR),
    (199, "party_gov_gate", EventGrade.MAJOR),
    (200, "party_gov_gate", EventGrade.EXTRAORDINARY),
]


@pytest.mark.parametrize(("head_count", "place", "grade"), EVENT_GRADES)
def test_event_grade_follows_the_model_plan(head_count: int, place: str, grade: EventGrade) -> None:
    crowd = facts("collective_visit", head_count=head_count, place_type=place)
    assert event_grade(crowd, GradingThresholds()) is grade


def test_a_hundred_people_are_tier_one_but_not_an_extraordinary_event() -> None:
    state = run("collective_visit", facts("collective_visit", head_count=100), [], 0)
    assert state.level is Level.EXTRAORDINARY and state.event_grade is EventGrade.LARGER


def test_event_grade_thresholds_are_settings_and_must_rise() -> None:
    crowd = facts("collective_visit", head_count=400)
    assert event_grade(crowd, GradingThresholds(event_head_count_major=300)) is EventGrade.MAJOR
    with pytest.raises(ValueError, match="event_head_count"):
        GradingThresholds(event_head_count_major=5000)


def test_a_manual_override_wins_until_handed_back() -> None:
    crowd = facts("collective_visit", head_count=10)
    raised = LevelOverridden(at=at(5), level=Level.MAJOR, reason="带头人员扬言去市里")
    handed_back = LevelOverridden(at=at(30), level=None, reason="事态平稳")
    state = run("collective_visit", crowd, [raised], 10)
    assert state.level is Level.MAJOR and state.grading.automatic_level is Level.GENERAL
    assert state.grading.overridden and state.grading.override_reason == "带头人员扬言去市里"
    grown = FactsChanged(at=at(20), facts=crowd.model_copy(update={"head_count": 150}))
    assert run("collective_visit", crowd, [raised, grown], 25).level is Level.MAJOR  # the override still wins
    after = run("collective_visit", crowd, [raised, grown, handed_back], 31)
    assert after.level is Level.EXTRAORDINARY and not after.grading.overridden


def test_a_leader_can_lower_the_level() -> None:
    state = run(
        "sit_in",
        facts("sit_in", head_count=60, place_type="party_gov_gate"),
        [LevelOverridden(at=at(1), level=Level.LARGER, reason="人员已退至接待大厅")],
        2,
    )
    assert state.level is Level.LARGER and state.grading.rule_id == "gate_involved"


def test_facts_changing_mid_run_regrade() -> None:
    start = facts("collective_visit", head_count=12)
    history: list[HistoryRecord] = [
        RunActivated(at=T0),
        FactsChanged(at=at(20), facts=start.model_copy(update={"head_count": 55})),
    ]
    snap = snapshot("collective_visit")
    assert evaluate(snap, start, history, at(19)).level is Level.GENERAL
    assert evaluate(snap, start, history, at(20)).level is Level.MAJOR
