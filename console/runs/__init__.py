"""Playbook runs (预案执行) in the console: commands, events, projection, views and the timer.

The run starts with the incident: registration pins the playbook serving its type (console.incidents),
and everything after is a `run.*` event whose record the pure engine (playbooks.engine) reads.
"""

from __future__ import annotations

from ..commands import CommandSpec, register_command
from ..permissions import Permission
from . import store
from .domain import (
    decide_complete,
    decide_decision,
    decide_facts,
    decide_file,
    decide_fire,
    decide_override,
    decide_skip,
)
from .model import CompleteStep, FileReport, FireAction, OverrideLevel, RecordDecision, SkipStep, UpdateFacts

register_command(
    CommandSpec(
        "run.complete_step",
        CompleteStep,
        Permission.RUN_ACT,
        store.load_run,
        decide_complete,
        "完成步骤 Mark a playbook step done",
    )
)
register_command(
    CommandSpec(
        "run.skip_step", SkipStep, Permission.RUN_ACT, store.load_run, decide_skip, "跳过步骤 Skip a step"
    )
)
register_command(
    CommandSpec(
        "run.decide",
        RecordDecision,
        Permission.RUN_ACT,
        store.load_run,
        decide_decision,
        "记录决定 Record a decision with its reason",
    )
)
register_command(
    CommandSpec(
        "run.override_level",
        OverrideLevel,
        Permission.RUN_OVERRIDE,
        store.load_run,
        decide_override,
        "调整响应级别 Raise or lower the response level",
    )
)
register_command(
    CommandSpec(
        "run.update_facts",
        UpdateFacts,
        Permission.RUN_ACT,
        store.load_run,
        decide_facts,
        "更新定级要素 Update the grading facts",
    )
)
register_command(
    CommandSpec(
        "run.file_report",
        FileReport,
        Permission.RUN_ACT,
        store.load_run,
        decide_file,
        "报送 Record an upward report as sent",
    )
)
register_command(
    CommandSpec(
        "run.fire",
        FireAction,
        Permission.RUN_TIMER,
        store.load_run,
        decide_fire,
        "（定时）提醒、升级、报告到期 Fire a due reminder or escalation",
        internal=True,
    )
)
