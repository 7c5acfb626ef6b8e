"""Responders and dispatch in the console: organisation, roster, dispatch, moves and roll calls.

The decisions are pure (console.dispatch.decide, over the `responders` core); this package registers
their commands, events, projections and snapshot parts with the spine.
"""

from __future__ import annotations

import asyncio

from ..clock import Clock
from ..commands import CommandSpec, register_command
from ..db import Database
from ..hub import Hub
from ..permissions import Permission
from ..service import CommandService
from . import store
from .decide import (
    decide_add_place,
    decide_dispatch,
    decide_import,
    decide_move,
    decide_rollcall_confirm,
    decide_rollcall_overdue,
    decide_rollcall_start,
    decide_roster_change,
)
from .model import (
    AddPlace,
    ChangeRoster,
    ConfirmRollcall,
    DispatchResponders,
    FlagOverdueRollcall,
    ImportOrganisation,
    ReportMove,
    StartRollcall,
)

for spec in (
    CommandSpec(
        "org.import",
        ImportOrganisation,
        Permission.ORG_MANAGE,
        store.load_organisation,
        decide_import,
        "导入单位、人员、地点或值班表 Import units, people, places or the roster (CSV/YAML)",
    ),
    CommandSpec(
        "place.add",
        AddPlace,
        Permission.PLACE_ADD,
        store.load_organisation,
        decide_add_place,
        "新增地点 Add a named place",
    ),
    CommandSpec(
        "roster.change",
        ChangeRoster,
        Permission.ROSTER_CHANGE,
        store.load_roster,
        decide_roster_change,
        "换班 / 顶班 Swap or override a shift",
    ),
    CommandSpec(
        "responder.dispatch",
        DispatchResponders,
        Permission.DISPATCH,
        store.load_responders,
        decide_dispatch,
        "派遣 Dispatch people to an incident",
    ),
    CommandSpec(
        "responder.move",
        ReportMove,
        Permission.RESPONDER_REPORT,
        store.load_responders,
        decide_move,
        "报告动态 Acknowledge, en route, on scene, move, clear, release, (un)available",
    ),
    CommandSpec(
        "rollcall.start",
        StartRollcall,
        Permission.ROLLCALL_START,
        store.load_rollcall,
        decide_rollcall_start,
        "清点人数 Start a roll call",
    ),
    CommandSpec(
        "rollcall.confirm",
        ConfirmRollcall,
        Permission.RESPONDER_REPORT,
        store.load_rollcall,
        decide_rollcall_confirm,
        "到位确认 Confirm a roll call",
    ),
    CommandSpec(
        "rollcall.flag_overdue",
        FlagOverdueRollcall,
        Permission.ROLLCALL_TIMER,
        store.load_overdue,
        decide_rollcall_overdue,
        "（定时）清点超时提示 Flag who has not confirmed a roll call in time",
        internal=True,
    ),
):
    register_command(spec)


def start_rollcall_timer(db: Database, service: CommandService, clock: Clock, hub: Hub) -> asyncio.Task[None]:
    """Run the roll call timer (console.dispatch.timer) for this process; the runtime cancels it on stop."""
    from .timer import RollcallTimer

    return asyncio.create_task(RollcallTimer(db, service, clock, hub).run(), name="rollcall-timer")
