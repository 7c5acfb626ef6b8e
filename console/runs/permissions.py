"""Who may act on a playbook run."""

from __future__ import annotations

from enum import StrEnum

from ..roles import Role


class Permission(StrEnum):
    RUN_ACT = "run.act"  # 执行预案: complete, skip, decide, file reports, update the grading facts
    RUN_OVERRIDE = "run.override"  # 调整响应级别 (the leader in charge)
    RUN_REGRADE = "run.regrade"  # 确认定级要素变更: facts that change the level (duty officer, leader)
    RUN_TIMER = "run.timer"  # (internal) the console fires a run's due reminders and escalations


GRANTS: dict[str, frozenset[Role]] = {
    Permission.RUN_ACT: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.RESPONDER}),
    Permission.RUN_OVERRIDE: frozenset({Role.LEADER}),
    # Facts that change the response level take effect only from them; a responder's become proposals.
    Permission.RUN_REGRADE: frozenset({Role.DUTY_OFFICER, Role.LEADER}),
    # Held by the timer's actor (console.runs.timer); clients cannot send internal commands.
    Permission.RUN_TIMER: frozenset({Role.DUTY_OFFICER}),
}


def may_regrade(roles: frozenset[str]) -> bool:
    """Whether facts these roles record may change the response level without a confirmation."""
    return bool(roles & GRANTS[Permission.RUN_REGRADE])
