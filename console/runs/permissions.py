"""Who may act on a playbook run."""

from __future__ import annotations

from enum import StrEnum

from ..roles import Role


class Permission(StrEnum):
    RUN_ACT = "run.act"  # 执行预案: complete, skip, decide, file reports, update the grading facts
    RUN_OVERRIDE = "run.override"  # 调整响应级别 (the leader in charge)
    RUN_TIMER = "run.timer"  # (internal) the console fires a run's due reminders and escalations


GRANTS: dict[str, frozenset[Role]] = {
    Permission.RUN_ACT: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.RESPONDER}),
    Permission.RUN_OVERRIDE: frozenset({Role.LEADER}),
    # Held by the timer's actor (console.runs.timer); clients cannot send internal commands.
    Permission.RUN_TIMER: frozenset({Role.DUTY_OFFICER}),
}
