"""What clients see of a run: the checklist with owners and due instants, the level, what is overdue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds
from playbooks.grading import grade
from playbooks.history import FactsChanged, LevelOverridden, StepCompleted
from playbooks.model import LocalText, Playbook
from playbooks.state import OPEN_REPORT, OPEN_STEP

from ..clock import utc_iso
from .decide import RecordedBy, Run
from .follow import leader_steps


def _iso(dt: datetime | None) -> str | None:
    return utc_iso(dt) if dt is not None else None


def _text(t: LocalText | None) -> dict[str, str] | None:
    return {"zh": t.zh, "en": t.en} if t is not None else None


def _as_of(run: Run, now: datetime | None) -> datetime:
    latest = max(r.at for r in run.history)
    return latest if now is None else max(now, latest)


def run_summary(
    run: Run, now: datetime | None, thresholds: GradingThresholds = DEFAULT_THRESHOLDS
) -> dict[str, Any]:
    """For the board: level, drill, and the due instants of what is still open (overdue once passed)."""
    at = _as_of(run, now)
    state = run.state(at, thresholds)
    pb = run.snapshot.playbook
    open_due = [_iso(s.due_at) for s in state.steps if s.status in OPEN_STEP and s.due_at is not None]
    open_due += [_iso(r.due_at) for r in state.reports if r.status in OPEN_REPORT and r.due_at is not None]
    return {
        "incident_id": run.incident_id,
        "ref": run.snapshot.ref,
        "playbook": {"id": pb.id, "version": pb.version, "title": _text(pb.title)},
        "level": state.level.value,
        "event_grade": state.event_grade.value,
        # Tier and grade share names; say when they do not match (事件等级≠响应级别).
        "grade_differs": state.event_grade.value != state.level.value,
        "automatic_level": state.grading.automatic_level.value,
        "overridden": state.grading.overridden,
        "drill": run.drill,
        "closed": state.closed_at is not None,
        "overdue_count": state.overdue_count,
        "open_due": sorted(d for d in open_due if d is not None),
        "next_deadline": _iso(state.next_deadline),
        "as_of": utc_iso(at),
    }


def _who(by: RecordedBy | None) -> dict[str, Any] | None:
    return {"id": by.id, "name": by.name} if by is not None else None


def regrades(run: Run, thresholds: GradingThresholds = DEFAULT_THRESHOLDS) -> list[dict[str, Any]]:
    """Every change of the level (or of the level graded from the facts) and who caused it, in order.

    A regrade comes from new facts (recorded, amended, or a confirmed proposal: `proposed_by` says
    whose) or from a leader's override.
    """
    grading = run.snapshot.playbook.grading
    facts, override = run.facts, None
    current = grade(grading, facts, thresholds)
    out: list[dict[str, Any]] = []
    for index, record in enumerate(run.history):
        if isinstance(record, FactsChanged):
            facts = record.facts
        elif isinstance(record, LevelOverridden):
            override = record
        else:
            continue
        after = grade(grading, facts, thresholds, override)
        if (after.level, after.automatic_level) == (current.level, current.automatic_level):
            continue
        by = run.recorded_by[index] if index < len(run.recorded_by) else None
        proposer = None
        if by is not None and by.proposed_by is not None:
            proposer = {"id": by.proposed_by, "name": by.proposed_by_name}
        out.append(
            {
                "at": utc_iso(record.at),
                "cause": record.type,
                "level_from": current.level.value,
                "level_to": after.level.value,
                "automatic_from": current.automatic_level.value,
                "automatic_to": after.automatic_level.value,
                "by": _who(by),
                "proposed_by": proposer,
                "note": record.note if isinstance(record, FactsChanged) else record.reason,
            }
        )
        current = after
    return out


def _followed(run: Run, step_id: str) -> dict[str, Any] | None:
    by = run.field_log.ticked.get(step_id)
    if by is None:
        return None
    return {"cause": by.cause.value, "at": utc_iso(by.at), "people": by.people, "person_id": by.person_id}


def leaders_on_site(run: Run) -> list[dict[str, Any]]:
    """领导到位情况: each leader who arrived (the movement log) or marked the leader's step done, first
    time each, earliest first. A name is given when the run knows it (who marked the step)."""
    seen: dict[str, dict[str, Any]] = {}
    for move in run.field_log.leaders_arrived:
        seen[move.person_id] = {"person_id": move.person_id, "name": None, "at": move.at, "via": "arrival"}
    steps = leader_steps(run.snapshot)
    for index, record in enumerate(run.history):
        if not isinstance(record, StepCompleted) or record.step_id not in steps:
            continue
        if record.step_id in run.field_log.ticked:
            continue  # ticked by an arrival, which is listed already
        by = run.recorded_by[index] if index < len(run.recorded_by) else None
        if by is None or by.id in seen:
            continue
        seen[by.id] = {"person_id": by.id, "name": by.name, "at": record.at, "via": "step"}
    ordered = sorted(seen.values(), key=lambda x: (x["at"], x["person_id"]))
    return [{**x, "at": utc_iso(x["at"])} for x in ordered]


def _given_here(pb: Playbook, step_id: str) -> list[dict[str, Any]]:
    """What completing `step_id` may record (以上级要求为准 / 倒排时限): the deadlines of the steps whose
    `due.set_by` names it, and the dates they are counted back from, which it must record
    (playbooks.checks)."""
    set_here = [s for s in pb.steps if s.due.set_by == step_id]
    dates = sorted({s.due.before for s in set_here if s.due.before is not None})
    given: list[dict[str, Any]] = [
        {"id": s.id, "title": _text(s.title), "required": False} for s in set_here if s.due.before is None
    ]
    return given + [{"id": d, "title": None, "required": True} for d in dates]


def run_view(run: Run, now: datetime, thresholds: GradingThresholds = DEFAULT_THRESHOLDS) -> dict[str, Any]:
    """For the incident room: every step and report with its state, owner role and due instant."""
    at = _as_of(run, now)
    state = run.state(at, thresholds)
    pb = run.snapshot.playbook
    steps = []
    for s in state.steps:
        step = pb.step(s.step_id)
        assert step is not None
        decision = step.decision
        steps.append(
            {
                "id": s.step_id,
                "title": _text(step.title),
                "guidance": _text(step.guidance),
                "role": s.role.value,
                "kind": s.kind.value,
                "status": s.status.value,
                "due_at": _iso(s.due_at),
                "resolved_at": _iso(s.resolved_at),
                "note": s.note,
                "option": s.option,
                "blocked_by": list(s.blocked_by),
                # Ticked by the responders' moves: 派遣N人 / 到达现场 at `at` (console.runs.follow).
                "followed": _followed(run, s.step_id),
                "gives_deadlines": _given_here(pb, s.step_id),
                "decision": None
                if decision is None
                else {
                    "kind": decision.kind.value,
                    "reason_required": decision.reason_required,
                    "options": [{"id": o.id, "title": _text(o.title)} for o in decision.all_options()],
                },
            }
        )
    reports = []
    for r in state.reports:
        obligation = pb.report(r.obligation_id)
        assert obligation is not None
        reports.append(
            {
                "id": r.obligation_id,
                "title": _text(obligation.title),
                "stage": r.stage.value,
                "role": r.role.value,
                "status": r.status.value,
                "due_at": _iso(r.due_at),
                "occurrence": r.occurrence,
                "filed_count": r.filed_count,
                "recipients": [x.value for x in r.recipients],
            }
        )
    grading = state.grading
    return {
        **run_summary(run, now, thresholds),
        "now": utc_iso(at),
        "activated_at": utc_iso(state.activated_at),
        "facts": state.facts.model_dump(mode="json"),
        "grading": {
            "level": grading.level.value,
            "roman": grading.level.roman,
            "automatic_level": grading.automatic_level.value,
            "rule_id": grading.rule_id,
            "matched_rules": list(grading.matched_rules),
            "overridden": grading.overridden,
            "override_reason": grading.override_reason,
        },
        "due_soon_minutes": thresholds.due_soon_minutes,
        "steps": steps,
        "reports": reports,
        # Who caused each regrade; the latest is what the room shows beside the level.
        "regrades": regrades(run, thresholds),
        "leaders": leaders_on_site(run),
        # Facts proposed by a responder that would change the level: the duty officer or a leader
        # confirms (run.confirm_facts) or declines (run.decline_facts) them.
        "proposals": [
            {
                "id": p.proposal_id,
                "facts": p.facts.model_dump(mode="json"),
                "note": p.note,
                "level_from": p.level_from.value,
                "level_to": p.level_to.value,
                "proposed_by": {"id": p.proposed_by, "name": p.proposed_by_name},
                "proposed_at": p.proposed_at,
            }
            for p in run.proposals.values()
        ],
    }
