"""The incident domain as the spine sees it: its commands, events, projections and permissions."""

from __future__ import annotations

from ..commands import CommandSpec
from ..i18n import N_
from ..registry import Domain
from . import decide, recusal, store
from .commands import (
    AddNote,
    AmendFacts,
    AssignMember,
    CloseIncident,
    RecordConfidential,
    RegisterIncident,
    RevealConfidential,
)
from .events import EVENTS
from .permissions import GRANTS, Permission
from .queries import SNAPSHOT_PARTS
from .tables import incident_confidential, incident_members, incident_notes, incidents

COMMANDS = (
    CommandSpec(
        "incident.register",
        RegisterIncident,
        Permission.INCIDENT_REGISTER,
        store.load_numbering,
        decide.decide_register,
        "登记事件 Register an incident",
    ),
    CommandSpec(
        "incident.amend",
        AmendFacts,
        Permission.INCIDENT_AMEND,
        store.load_incident,
        decide.decide_amend,
        "更正事实 Amend the facts of an open incident",
    ),
    CommandSpec(
        "incident.note",
        AddNote,
        Permission.INCIDENT_NOTE,
        store.load_note_target,
        decide.decide_note,
        "添加记录 Add a note to the timeline",
    ),
    CommandSpec(
        "incident.close",
        CloseIncident,
        Permission.INCIDENT_CLOSE,
        store.load_incident,
        decide.decide_close,
        "结案 Close with an outcome",
    ),
    CommandSpec(
        "incident.record_confidential",
        RecordConfidential,
        Permission.CONFIDENTIAL_RECORD,
        store.load_matter_values,
        decide.decide_record,
        "记录举报人信息与举报内容 Record informant details and report content",
    ),
    CommandSpec(
        "incident.assign",
        AssignMember,
        Permission.INCIDENT_ASSIGN,
        store.load_matter,
        decide.decide_assign,
        "指定承办人员 Assign a person to the matter",
    ),
    CommandSpec(
        "incident.unassign",
        AssignMember,
        Permission.INCIDENT_ASSIGN,
        store.load_matter,
        decide.decide_unassign,
        "取消承办 Remove a person from the matter",
    ),
    CommandSpec(
        "confidential.reveal",
        RevealConfidential,
        Permission.CONFIDENTIAL_REVEAL,
        store.load_matter,
        decide.decide_reveal,
        "查看举报人信息（记入借阅登记） Reveal confidential parts (logged)",
        internal=True,
    ),
)

# code -> English source text (console/locale/zh_CN/LC_MESSAGES/messages.po translates it).
MESSAGES = {
    "incident_not_found": N_("Incident not found"),
    "incident_closed": N_("This incident is closed and can no longer be changed"),
    "nothing_to_amend": N_("Nothing to amend"),
    "user_not_found": N_("User not found"),
    "cannot_be_assigned": N_("Only duty officers, leaders and responders can be assigned to a matter"),
    "already_assigned": N_("This person is already assigned"),
    "not_assigned": N_("This person is not assigned"),
    "assign_forbidden": N_(
        "Who is assigned to a matter is decided by a leader, or by the officer who registered it"
    ),
    "confidential_overwrite_forbidden": N_(
        "Only the people assigned to the matter may change informant details already recorded"
    ),
    "playbook_policy_unknown": N_(
        "A playbook step names an escalation policy the policy book does not have, nothing was "
        "registered: {detail}"
    ),
    "confidential_forbidden": N_(
        "Informant details and report content are for the people assigned to the matter only"
    ),
    "recusal_irrevocable": N_(
        "A report about the commission's head stays marked: the recusal cannot be undone"
    ),
}

DOMAIN = Domain(
    name="incidents",
    commands=COMMANDS,
    events=EVENTS,
    projectors=store.PROJECTORS,
    tables=(incident_notes, incidents, incident_confidential, incident_members),
    snapshot_parts=SNAPSHOT_PARTS,
    messages=MESSAGES,
    grants=GRANTS,
    visibility_classes={recusal.VISIBILITY_RECUSAL: recusal.may_see_recused},
    classify=recusal.classify,
    guard=recusal.guard,
    withheld=recusal.hidden_from,
    resync_after=recusal.resync_after,
    withdraws=recusal.withdraws,
    batch_started=recusal.batch_started,
    batch_sealed=store.batch_sealed,
    batch_commands=store.batch_commands,
)
