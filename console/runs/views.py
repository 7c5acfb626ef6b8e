"""What clients see of a run: the checklist with owners and due instants, the level, what is overdue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playbooks.facts import DEFAULT_THRESHOLDS, GradingThresholds
from playbooks.model import LocalText
from playbooks.state import OPEN_REPORT, OPEN_STEP

from ..clock import utc_iso
from .decide import Run


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
    }
