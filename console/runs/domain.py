"""The playbook runs domain as the spine sees it: commands, events, projection, views and the timer.

The run starts with the incident: registration pins the playbook serving its type (console.incidents),
and everything after is a `run.*` event whose record the pure engine (playbooks.engine) reads.
"""

from __future__ import annotations

from playbooks import config

from ..commands import CommandSpec
from ..i18n import N_
from ..registry import Domain
from . import decide, store
from .commands import (
    CompleteStep,
    ConfirmFacts,
    DeclineFacts,
    FileReport,
    FireAction,
    FollowStep,
    OverrideLevel,
    RecordDecision,
    SkipStep,
    UpdateFacts,
)
from .events import RUN_EVENTS
from .permissions import GRANTS, Permission
from .queries import SNAPSHOT_PARTS
from .tables import playbook_runs, run_fact_proposals
from .timer import run_timer

COMMANDS = (
    CommandSpec(
        "run.complete_step",
        CompleteStep,
        Permission.RUN_ACT,
        store.load_run_for_text,
        decide.decide_complete,
        "完成步骤 Mark a playbook step done",
    ),
    CommandSpec(
        "run.skip_step",
        SkipStep,
        Permission.RUN_ACT,
        store.load_run_for_text,
        decide.decide_skip,
        "跳过步骤 Skip a step",
    ),
    CommandSpec(
        "run.decide",
        RecordDecision,
        Permission.RUN_ACT,
        store.load_run_for_text,
        decide.decide_decision,
        "记录决定 Record a decision with its reason",
    ),
    CommandSpec(
        "run.override_level",
        OverrideLevel,
        Permission.RUN_OVERRIDE,
        store.load_run,
        decide.decide_override,
        "调整响应级别 Raise or lower the response level",
    ),
    CommandSpec(
        "run.update_facts",
        UpdateFacts,
        Permission.RUN_ACT,
        store.load_run,
        decide.decide_facts,
        "更新定级要素 Update the grading facts (a change of level from a responder waits for confirmation)",
    ),
    CommandSpec(
        "run.confirm_facts",
        ConfirmFacts,
        Permission.RUN_REGRADE,
        store.load_run_with_proposals,
        decide.decide_confirm,
        "确认定级要素变更 Confirm proposed grading facts",
    ),
    CommandSpec(
        "run.decline_facts",
        DeclineFacts,
        Permission.RUN_REGRADE,
        store.load_run_with_proposals,
        decide.decide_decline,
        "不予确认 Decline proposed grading facts",
    ),
    CommandSpec(
        "run.file_report",
        FileReport,
        Permission.RUN_ACT,
        store.load_run,
        decide.decide_file,
        "报送 Record an upward report as sent",
    ),
    CommandSpec(
        "run.fire",
        FireAction,
        Permission.RUN_TIMER,
        store.load_run,
        decide.decide_fire,
        "（定时）提醒、升级、报告到期 Fire a due reminder or escalation",
        internal=True,
    ),
    CommandSpec(
        "run.follow",
        FollowStep,
        Permission.RUN_TIMER,
        store.load_run,
        decide.decide_follow,
        "（人员动态）派遣或到场即完成步骤 Tick a step on the team's dispatch or a leader's arrival",
        internal=True,
    ),
)

# Refusals of the run's commands (codes of playbooks.checks.CheckCode and the console's own).
MESSAGES = {
    "no_playbook_run": N_("No playbook is running for this incident"),
    "unknown_step": N_("This playbook has no such step"),
    "not_a_decision_step": N_("This step is not a decision"),
    "decision_needs_option": N_("Record a decision to complete this step"),
    "unknown_option": N_("That is not one of the options of this decision"),
    "reason_required": N_("Give the reason"),
    "township_cannot_transfer": N_("A township unit handles matters itself and never transfers them"),
    "about_commission_head_goes_up": N_(
        "A report about this commission's head goes straight to the higher commission: choose send up"
    ),
    "requested_from_above_cannot_transfer": N_(
        "The higher level asked for the result: the county handles it itself"
    ),
    "representatives_required": N_("Name the representatives chosen"),
    "too_many_representatives": N_("Too many representatives"),
    "representatives_not_expected": N_("Representatives are named only when they were chosen"),
    "step_not_open": N_("This step is not open"),
    "unknown_report": N_("This playbook has no such report"),
    "report_not_open": N_("This report is not due"),
    "wrong_incident_type": N_("This playbook does not serve that incident type"),
    "not_activated": N_("The playbook has not started"),
    "already_activated": N_("The playbook has already started"),
    "run_closed": N_("The incident is closed"),
    "action_not_due": N_("Nothing is due for this action"),
    "deadline_not_settable": N_("That step's deadline is not given at this step"),
    "deadline_in_the_past": N_("That deadline has already passed"),
    "date_required": N_("Record the date the deadlines are counted back from"),
    "level_unchanged": N_("The level is already so"),
    "proposal_not_found": N_("No such proposal is waiting for confirmation"),
    "proposal_outdated": N_("The facts changed since this was proposed: propose again"),
    "nothing_to_follow": N_("Nobody was sent or arrived for this step, or it is not open"),
}

DOMAIN = Domain(
    name="runs",
    commands=COMMANDS,
    events=RUN_EVENTS,
    projectors=store.PROJECTORS,
    tables=(playbook_runs, run_fact_proposals),
    snapshot_parts=SNAPSHOT_PARTS,
    messages=MESSAGES,
    grants=GRANTS,
    timers=(("run-timers", run_timer),),
    check_settings=config.check,
)
