"""The incident domain of the spine: register, amend facts, add notes, close."""

from __future__ import annotations

from ..commands import CommandSpec, register_command
from ..roles import FIELD, WRITERS
from . import store
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
        WRITERS,
        store.load_numbering,
        decide_register,
        "登记事件 Register an incident",
    )
)
register_command(
    CommandSpec(
        "incident.amend",
        AmendFacts,
        WRITERS,
        store.load_incident,
        decide_amend,
        "更正事实 Amend the facts of an open incident",
    )
)
register_command(
    CommandSpec(
        "incident.note",
        AddNote,
        FIELD,
        store.load_incident,
        decide_note,
        "添加记录 Add a note to the timeline",
    )
)
register_command(
    CommandSpec(
        "incident.close",
        CloseIncident,
        WRITERS,
        store.load_incident,
        decide_close,
        "结案 Close with an outcome",
    )
)
