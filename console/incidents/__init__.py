"""The incident domain of the spine: register, amend facts, add notes, close."""

from __future__ import annotations

from ..commands import CommandSpec, register_command
from ..permissions import Permission
from . import store
from .confidential import (
    AssignMember,
    RecordConfidential,
    RevealConfidential,
    decide_assign,
    decide_record,
    decide_reveal,
    decide_unassign,
)
from .domain import (
    AddNote,
    AmendFacts,
    CloseIncident,
    RegisterIncident,
    decide_amend,
    decide_close,
    decide_note,
    decide_register,
)

register_command(
    CommandSpec(
        "incident.register",
        RegisterIncident,
        Permission.INCIDENT_REGISTER,
        store.load_numbering,
        decide_register,
        "登记事件 Register an incident",
    )
)
register_command(
    CommandSpec(
        "incident.amend",
        AmendFacts,
        Permission.INCIDENT_AMEND,
        store.load_incident,
        decide_amend,
        "更正事实 Amend the facts of an open incident",
    )
)
register_command(
    CommandSpec(
        "incident.note",
        AddNote,
        Permission.INCIDENT_NOTE,
        store.load_incident,
        decide_note,
        "添加记录 Add a note to the timeline",
    )
)
register_command(
    CommandSpec(
        "incident.close",
        CloseIncident,
        Permission.INCIDENT_CLOSE,
        store.load_incident,
        decide_close,
        "结案 Close with an outcome",
    )
)
register_command(
    CommandSpec(
        "incident.record_confidential",
        RecordConfidential,
        Permission.CONFIDENTIAL_RECORD,
        store.load_matter,
        decide_record,
        "记录举报人信息与举报内容 Record informant details and report content",
    )
)
register_command(
    CommandSpec(
        "incident.assign",
        AssignMember,
        Permission.INCIDENT_ASSIGN,
        store.load_matter,
        decide_assign,
        "指定承办人员 Assign a person to the matter",
    )
)
register_command(
    CommandSpec(
        "incident.unassign",
        AssignMember,
        Permission.INCIDENT_ASSIGN,
        store.load_matter,
        decide_unassign,
        "取消承办 Remove a person from the matter",
    )
)
register_command(
    CommandSpec(
        "confidential.reveal",
        RevealConfidential,
        Permission.CONFIDENTIAL_REVEAL,
        store.load_matter,
        decide_reveal,
        "查看举报人信息（记入借阅登记） Reveal confidential parts (logged)",
        internal=True,
    )
)
