"""The responders domain as the spine sees it: organisation, roster, dispatch, moves and roll calls.

The decisions are pure (console.responders.decide, over the `responders` core).
"""

from __future__ import annotations

from ..commands import CommandSpec
from ..i18n import N_
from ..registry import Domain
from . import decide, store
from .commands import (
    AddPlace,
    ChangeRoster,
    ConfirmRollcall,
    DispatchResponders,
    FlagOverdueRollcall,
    ImportOrganisation,
    ReportMove,
    StartRollcall,
)
from .events import EVENTS
from .permissions import GRANTS, Permission
from .queries import SNAPSHOT_PARTS
from .tables import (
    assignments,
    org_people,
    org_places,
    org_units,
    responder_status,
    rollcall_answers,
    rollcalls,
    roster_changes,
    roster_shifts,
)
from .timer import rollcall_timer

COMMANDS = (
    CommandSpec(
        "org.import",
        ImportOrganisation,
        Permission.ORG_MANAGE,
        store.load_organisation,
        decide.decide_import,
        "导入单位、人员、地点或值班表 Import units, people, places or the roster (CSV/YAML)",
    ),
    CommandSpec(
        "place.add",
        AddPlace,
        Permission.PLACE_ADD,
        store.load_organisation,
        decide.decide_add_place,
        "新增地点 Add a named place",
    ),
    CommandSpec(
        "roster.change",
        ChangeRoster,
        Permission.ROSTER_CHANGE,
        store.load_roster,
        decide.decide_roster_change,
        "换班 / 顶班 Swap or override a shift",
    ),
    CommandSpec(
        "responder.dispatch",
        DispatchResponders,
        Permission.DISPATCH,
        store.load_responders,
        decide.decide_dispatch,
        "派遣 Dispatch people to an incident",
    ),
    CommandSpec(
        "responder.move",
        ReportMove,
        Permission.RESPONDER_REPORT,
        store.load_responders,
        decide.decide_move,
        "报告动态 Acknowledge, en route, on scene, move, clear, release, (un)available",
    ),
    CommandSpec(
        "rollcall.start",
        StartRollcall,
        Permission.ROLLCALL_START,
        store.load_rollcall,
        decide.decide_rollcall_start,
        "清点人数 Start a roll call",
    ),
    CommandSpec(
        "rollcall.confirm",
        ConfirmRollcall,
        Permission.RESPONDER_REPORT,
        store.load_rollcall,
        decide.decide_rollcall_confirm,
        "到位确认 Confirm a roll call",
    ),
    CommandSpec(
        "rollcall.flag_overdue",
        FlagOverdueRollcall,
        Permission.ROLLCALL_TIMER,
        store.load_overdue,
        decide.decide_rollcall_overdue,
        "（定时）清点超时提示 Flag who has not confirmed a roll call in time",
        internal=True,
    ),
)

MESSAGES = {
    "import_rejected": N_("Nothing was imported: {detail} row(s) have errors"),
    "nothing_to_import": N_("The file holds no rows"),
    "unit_not_found": N_("Unit not found"),
    "person_not_found": N_("Person not found"),
    "place_not_found": N_("Place not found"),
    "place_exists": N_("A place with this name already exists"),
    "roster_refused": N_("This roster change is not possible: {detail}"),
    "illegal_move": N_("This status change is not allowed: {detail}"),
    "not_a_responder": N_("Your account is not linked to a person in the organisation"),
    "on_behalf_forbidden": N_("Only the duty officer can record this for someone else"),
    "rollcall_not_found": N_("Roll call not found"),
    "rollcall_refused": N_("Roll call: {detail}"),
}

DOMAIN = Domain(
    name="responders",
    commands=COMMANDS,
    events=EVENTS,
    projectors=store.PROJECTORS,
    tables=(
        org_units,
        org_people,
        org_places,
        roster_shifts,
        roster_changes,
        responder_status,
        assignments,
        rollcalls,
        rollcall_answers,
    ),
    snapshot_parts=SNAPSHOT_PARTS,
    messages=MESSAGES,
    grants=GRANTS,
    timers=(("rollcall-timer", rollcall_timer),),
)
