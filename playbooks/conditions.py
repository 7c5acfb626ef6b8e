"""The `when` language: structured conditions over facts, level and decisions, evaluated without eval."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator

from playbooks.facts import (
    BOOL_FACTS,
    COUNT_FACTS,
    FACT_ENUMS,
    FactName,
    GradingThresholds,
    IncidentFacts,
    Level,
    ThresholdName,
)

_OPERATORS = ("is_", "in_", "at_least", "below")
_FORMS = ("fact", "decision", "level_at_least", "any_", "all_", "not_")


class Condition(BaseModel):
    """One condition; exactly one form: a fact test, a decision test, a level test, any/all/not."""

    # Aliases both ways, so a stored snapshot reads back exactly as the YAML wrote it.
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True)

    fact: FactName | None = None
    decision: str | None = None
    is_: StrictBool | StrictStr | None = Field(default=None, alias="is")
    in_: tuple[StrictStr, ...] | None = Field(default=None, alias="in")
    at_least: ThresholdName | None = None
    below: ThresholdName | None = None
    level_at_least: Level | None = None
    any_: tuple[Condition, ...] | None = Field(default=None, alias="any", min_length=1)
    all_: tuple[Condition, ...] | None = Field(default=None, alias="all", min_length=1)
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        forms = [name for name in _FORMS if getattr(self, name) is not None]
        if len(forms) != 1:
            raise ValueError("a condition needs one of: fact, decision, level_at_least, any, all, not")
        ops = [name.rstrip("_") for name in _OPERATORS if getattr(self, name) is not None]
        if forms[0] not in ("fact", "decision") and ops:
            raise ValueError(f"'{ops[0]}' only goes with 'fact' or 'decision'")
        if len(ops) > 1:
            raise ValueError(f"use one comparison, not {' and '.join(ops)}")
        if self.fact is not None:
            _check_fact_test(self.fact, ops[0] if ops else None, self)
        if self.decision is not None and (not ops or ops[0] not in ("is", "in") or self.is_ is True):
            raise ValueError("a decision test needs 'is: <option>' or 'in: [<options>]'")
        return self

    def decisions(self) -> Iterator[str]:
        """Every decision step this condition reads."""
        if self.decision is not None:
            yield self.decision
        for child in self._children():
            yield from child.decisions()

    def reads_level(self) -> bool:
        """Whether this condition reads the response level."""
        return self.level_at_least is not None or any(c.reads_level() for c in self._children())

    def _children(self) -> tuple[Condition, ...]:
        return (self.any_ or ()) + (self.all_ or ()) + ((self.not_,) if self.not_ is not None else ())


def _check_fact_test(fact: str, op: str | None, cond: Condition) -> None:
    if fact in BOOL_FACTS:
        if op not in (None, "is") or not isinstance(cond.is_, bool | None):
            raise ValueError(f"'{fact}' is yes/no: write 'fact: {fact}' or add 'is: false'")
    elif fact in COUNT_FACTS:
        if op not in ("at_least", "below"):
            raise ValueError(f"'{fact}' is a count: compare it with 'at_least' or 'below' a threshold name")
    else:
        allowed = {str(v) for v in FACT_ENUMS[fact]}
        values = (cond.is_,) if op == "is" else cond.in_ if op == "in" else None
        if values is None:
            raise ValueError(f"'{fact}' needs 'is: <value>' or 'in: [<values>]'")
        for value in values:
            if value not in allowed:
                raise ValueError(f"'{value}' is not a {fact}; expected one of {', '.join(sorted(allowed))}")


@dataclass(frozen=True)
class EvalContext:
    """What a condition can see: facts, the current level and the decisions taken so far."""

    facts: IncidentFacts
    thresholds: GradingThresholds
    level: Level | None = None
    # A key present with None means the decision step was skipped or not applicable: it has no option.
    decisions: Mapping[str, str | None] = field(default_factory=dict)


def holds(cond: Condition, ctx: EvalContext) -> bool | None:
    """True, False, or None when it depends on a decision not yet taken (Kleene three-valued logic)."""
    if cond.any_ is not None:
        values = [holds(c, ctx) for c in cond.any_]
        return True if True in values else None if None in values else False
    if cond.all_ is not None:
        values = [holds(c, ctx) for c in cond.all_]
        return False if False in values else None if None in values else True
    if cond.not_ is not None:
        inner = holds(cond.not_, ctx)
        return None if inner is None else not inner
    if cond.level_at_least is not None:
        return None if ctx.level is None else ctx.level.rank >= cond.level_at_least.rank
    if cond.decision is not None:
        if cond.decision not in ctx.decisions:
            return None
        return _compare(ctx.decisions[cond.decision], cond, ctx)
    assert cond.fact is not None  # guaranteed by Condition._one_form
    return _compare(getattr(ctx.facts, cond.fact), cond, ctx)


def _compare(value: Any, cond: Condition, ctx: EvalContext) -> bool:
    if cond.at_least is not None:
        return bool(value >= ctx.thresholds.value(cond.at_least))
    if cond.below is not None:
        return bool(value < ctx.thresholds.value(cond.below))
    if cond.in_ is not None:
        return value is not None and str(value) in cond.in_
    if cond.is_ is not None and not isinstance(cond.is_, bool):
        return value is not None and str(value) == cond.is_
    expected = True if cond.is_ is None else cond.is_
    return bool(value) is expected
