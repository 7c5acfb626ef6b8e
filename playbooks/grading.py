"""Grading: the response level from facts by the playbook's rules, then a leader's override."""

from __future__ import annotations

from playbooks.conditions import EvalContext, holds
from playbooks.facts import GradingThresholds, IncidentFacts
from playbooks.history import LevelOverridden
from playbooks.model import Grading
from playbooks.state import GradingResult


def grade(
    grading: Grading,
    facts: IncidentFacts,
    thresholds: GradingThresholds,
    override: LevelOverridden | None = None,
) -> GradingResult:
    """The level for `facts`: the highest matching rule (first in file order on a tie), else the default."""
    ctx = EvalContext(facts=facts, thresholds=thresholds)
    matched = [rule for rule in grading.rules if holds(rule.when, ctx) is True]
    level, rule_id = grading.default_level, None
    for rule in matched:
        if rule.level.rank > level.rank or (rule_id is None and rule.level is level):
            level, rule_id = rule.level, rule.id
    result = GradingResult(
        level=level, automatic_level=level, rule_id=rule_id, matched_rules=tuple(r.id for r in matched)
    )
    if override is None or override.level is None:
        return result
    return result.model_copy(
        update={"level": override.level, "overridden": True, "override_reason": override.reason}
    )
