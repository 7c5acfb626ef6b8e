"""Cross-reference checks of a playbook, each problem with the location of the field at fault."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from playbooks.conditions import Condition
from playbooks.model import ACTIVATION, CLOSE, DecisionKind, Playbook, ReportObligation, Step

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a playbook, at `loc` (a pydantic-style location)."""

    loc: Loc
    message: str

    def __str__(self) -> str:
        return f"{format_loc(self.loc)}: {self.message}"


def format_loc(loc: Loc) -> str:
    """`('steps', 3, 'due')` as `steps[3].due`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else part
    return out


def playbook_problems(pb: Playbook) -> tuple[Problem, ...]:
    """Every cross-reference problem in `pb`; empty when it is sound."""
    return (
        tuple(_steps(pb))
        + tuple(_roles(pb))
        + tuple(_grading(pb))
        + tuple(_reports(pb))
        + tuple(_recusal(pb))
    )


def step_order(pb: Playbook) -> tuple[Step, ...]:
    """Steps with every step after its dependencies, otherwise in file order; assumes no cycles."""
    placed: dict[str, Step] = {}
    remaining = list(pb.steps)
    while remaining:
        ready = [s for s in remaining if all(d in placed for d in s.depends_on)]
        if not ready:  # a cycle: playbook_problems reports it, keep the rest in file order
            ready = remaining[:1]
        placed.update((s.id, s) for s in ready)
        remaining = [s for s in remaining if s.id not in placed]
    return tuple(placed.values())


def ancestors(pb: Playbook, step_id: str) -> set[str]:
    """Every step `step_id` depends on, directly or not."""
    by_id = {s.id: s for s in pb.steps}
    seen: set[str] = set()
    todo = list(by_id[step_id].depends_on) if step_id in by_id else []
    while todo:
        sid = todo.pop()
        if sid not in seen and sid in by_id:
            seen.add(sid)
            todo.extend(by_id[sid].depends_on)
    return seen


def _duplicates(ids: list[str], field: str) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, item in enumerate(ids):
        if item in seen:
            yield Problem((field, i, "id"), f"id '{item}' is used twice")
        seen.add(item)


def _steps(pb: Playbook) -> Iterator[Problem]:
    ids = [s.id for s in pb.steps]
    yield from _duplicates(ids, "steps")
    kinds = [s.decision.kind for s in pb.steps if s.decision is not None]
    for i, s in enumerate(pb.steps):
        for j, dep in enumerate(s.depends_on):
            if dep not in ids or dep == s.id:
                yield Problem(("steps", i, "depends_on", j), f"'{dep}' is not another step of this playbook")
        if s.id in ancestors(pb, s.id):
            yield Problem(("steps", i, "depends_on"), f"step '{s.id}' depends on itself through a cycle")
        if s.due.after != ACTIVATION and s.due.after not in s.depends_on:
            yield Problem(("steps", i, "due", "after"), "must be 'activation' or one of depends_on")
        if s.due.before is not None and s.due.set_by is None:
            yield Problem(("steps", i, "due", "before"), "needs set_by: the step that records the date")
        if s.due.before is not None and s.due.before in ids:
            yield Problem(("steps", i, "due", "before"), "names a date, not a step")
        if s.due.set_by is not None and s.due.set_by not in ancestors(pb, s.id):
            yield Problem(("steps", i, "due", "set_by"), "must be a step this one depends on")
        if s.policy is not None and s.kind != "notify":
            yield Problem(("steps", i, "policy"), "only a notify step names an escalation policy")
        if (s.kind == "decision") != (s.decision is not None):
            yield Problem(("steps", i, "decision"), "needed exactly when the step's kind is decision")
        if s.when is not None:
            yield from _decision_refs(pb, s.when, ("steps", i, "when"), ancestors(pb, s.id))
    if kinds.count(DecisionKind.JURISDICTION) != 1:
        yield Problem(("steps",), "every playbook needs exactly one jurisdiction decision step (seed §22)")


def policy_problems(pb: Playbook, policies: frozenset[str]) -> tuple[Problem, ...]:
    """Notify steps and escalations naming an escalation policy that is not in `policies` (the policy
    book's ids)."""
    return tuple(
        Problem(loc, f"no escalation policy named '{name}' (known: {', '.join(sorted(policies))})")
        for loc, name in pb.named_policies()
        if name not in policies
    )


def _decision_refs(pb: Playbook, cond: Condition, loc: Loc, allowed: set[str]) -> Iterator[Problem]:
    for ref in cond.decisions():
        step = pb.step(ref)
        if step is None or step.decision is None:
            yield Problem(loc, f"'{ref}' is not a decision step")
        elif ref not in allowed:
            yield Problem(loc, f"a step that reads decision '{ref}' must depend on it")
        else:
            options = {o.id for o in step.decision.all_options()}
            for value in _decision_values(cond, ref):
                if value not in options:
                    yield Problem(loc, f"'{value}' is not an option of '{ref}': {', '.join(sorted(options))}")


def _decision_values(cond: Condition, ref: str) -> Iterator[str]:
    if cond.decision == ref:
        yield from (cond.in_ or ()) + ((cond.is_,) if isinstance(cond.is_, str) else ())
    for child in (cond.any_ or ()) + (cond.all_ or ()) + ((cond.not_,) if cond.not_ else ()):
        yield from _decision_values(child, ref)


def _roles(pb: Playbook) -> Iterator[Problem]:
    declared = set(pb.roles)
    missing = "role is not listed in this playbook's roles"
    if pb.recusal is not None and pb.recusal.role not in declared:
        yield Problem(("recusal", "role"), f"'{pb.recusal.role}': {missing}")
    if pb.defaults.on_overdue.escalate_to not in declared:
        yield Problem(("defaults", "on_overdue", "escalate_to"), missing)
    items: list[tuple[Loc, Step | ReportObligation]] = [(("steps", i), s) for i, s in enumerate(pb.steps)]
    items += [(("reports", i), r) for i, r in enumerate(pb.reports)]
    for loc, item in items:
        if item.role not in declared:
            yield Problem((*loc, "role"), f"'{item.role}': {missing}")
        if item.on_overdue is not None and item.on_overdue.escalate_to not in declared:
            yield Problem((*loc, "on_overdue", "escalate_to"), missing)


def _grading(pb: Playbook) -> Iterator[Problem]:
    yield from _duplicates([r.id for r in pb.grading.rules], "grading.rules")
    for i, rule in enumerate(pb.grading.rules):
        if rule.when.reads_level() or any(True for _ in rule.when.decisions()):
            yield Problem(("grading", "rules", i, "when"), "grading rules may read facts only")


def _reports(pb: Playbook) -> Iterator[Problem]:
    yield from _duplicates([r.id for r in pb.reports], "reports")
    earlier: set[str] = set()
    for i, report in enumerate(pb.reports):
        if report.due.after not in (ACTIVATION, CLOSE, *earlier):
            yield Problem(
                ("reports", i, "due", "after"), "must be activation, close or an earlier report's id"
            )
        if report.when is not None and any(True for _ in report.when.decisions()):
            yield Problem(("reports", i, "when"), "report conditions may read facts and level only")
        earlier.add(report.id)


def _recusal(pb: Playbook) -> Iterator[Problem]:
    """回避: steps stand aside only under a `recusal` that reads facts, and a replacement is another step."""
    if pb.recusal is not None:
        when = pb.recusal.when
        if when.reads_level() or any(True for _ in when.decisions()):
            yield Problem(("recusal", "when"), "a recusal may read facts only")
    standing = {s.id for s in pb.steps if s.stands_aside}
    for i, s in enumerate(pb.steps):
        if s.stands_aside and pb.recusal is None:
            yield Problem(("steps", i, "stands_aside"), "needs the playbook's recusal (回避) to say when")
        if s.stands_aside and s.kind == "decision":
            yield Problem(("steps", i, "stands_aside"), "a decision step cannot stand aside")
        if s.replaced_by is None:
            continue
        if not s.stands_aside:
            yield Problem(("steps", i, "replaced_by"), "only a step that stands aside is replaced")
        elif pb.step(s.replaced_by) is None or s.replaced_by == s.id:
            yield Problem(
                ("steps", i, "replaced_by"), f"'{s.replaced_by}' is not another step of this playbook"
            )
        elif s.replaced_by in standing:
            yield Problem(("steps", i, "replaced_by"), f"'{s.replaced_by}' stands aside itself")
