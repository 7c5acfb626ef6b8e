"""The responders decisions, table-driven, without a database: import, places, roster, dispatch, moves
and roll calls over org.py's organisation as the console holds it once imported."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from decision_table import Emits, Event, Refusal, case, check, emits
from org import PEOPLE, PLACES, UNITS, shifts
from pydantic import ValidationError

from console.commands import SYSTEM_ACTOR, Actor, Context
from console.errors import DomainError, Forbidden, NotFound
from console.responders.commands import (
    AddPlace,
    ChangeRoster,
    ConfirmRollcall,
    DispatchResponders,
    FlagOverdueRollcall,
    ImportOrganisation,
    ReportMove,
    StartRollcall,
)
from console.responders.decide import (
    IncidentRef,
    Organisation,
    OverdueState,
    Responders,
    RollcallState,
    decide_add_place,
    decide_dispatch,
    decide_import,
    decide_move,
    decide_rollcall_confirm,
    decide_rollcall_overdue,
    decide_rollcall_start,
    decide_roster_change,
)
from console.responders.errors import ImportRejected, Refused
from console.responders.events import (
    OrganisationImported,
    PlaceAdded,
    ResponderMoved,
    RollcallConfirmed,
    RollcallOverdue,
    RollcallStarted,
    RosterChanged,
)
from console.settings import Settings
from responders import io
from responders.organisation import Frozen, Place
from responders.rollcall import RollCall, confirm, start_rollcall
from responders.roster import ChangeKind, Post, Roster, RosterChange, Shift
from responders.status import Assignment, Move, PersonState
from responders.status import ResponderStatus as S

SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTINGS = Settings(data_dir=Path("var"), database_url="sqlite://", secret_key="k", timezone="Asia/Shanghai")
NOW = datetime(2024, 5, 6, 4, 0, tzinfo=UTC)  # noon in Shanghai, inside org.py's shifts
NEW_ID = "0123456789abcdef0123456789abcdef"


def context(user: str, *roles: str) -> Context:
    actor = Actor(f"u-{user}", user, frozenset(roles))
    return Context(now=NOW, occurred_at=NOW, actor=actor, new_id=NEW_ID, settings=SETTINGS)


AS_DUTY = context("duty", "duty_officer")
AS_LEADER = context("leader", "leader")
AS_R1 = context("r1", "responder")

# --- org.py's files, parsed as the console imports them ---

M = TypeVar("M", bound=Frozen)


def parsed(result: io.ImportResult[M]) -> tuple[M, ...]:
    assert result.ok, result.errors
    return result.items


UNIT_ROWS = parsed(io.import_units(UNITS, io.Format.CSV))
PLACE_ROWS = parsed(io.import_places(PLACES, io.Format.CSV))
PERSON_ROWS = parsed(io.import_people(PEOPLE, io.Format.CSV))
SHIFT_ROWS = parsed(io.import_shifts(shifts(NOW), io.Format.CSV))

UNIT_IDS = frozenset(u.id for u in UNIT_ROWS)
PERSON_IDS = frozenset(p.id for p in PERSON_ROWS)
PLACES_BY_ID = {p.id: p for p in PLACE_ROWS}

EMPTY = Organisation(unit_ids=frozenset(), person_ids=frozenset(), places={})
WITH_UNITS = Organisation(unit_ids=UNIT_IDS, person_ids=frozenset(), places={})
WITH_PLACES = Organisation(unit_ids=UNIT_IDS, person_ids=frozenset(), places=PLACES_BY_ID)
ORG = Organisation(unit_ids=UNIT_IDS, person_ids=PERSON_IDS, places=PLACES_BY_ID)

# --- org.import ---

SHIFT_HEADER = "id,unit_id,post,start,end,holder_id\n"
LOCAL_SHIFT = SHIFT_HEADER + "s-x,office,standby,2024-05-06 08:00,2024-05-06 20:00,r1\n"
ANNEX_YAML = "places:\n  - {id: annex, name: 信访局东侧门, unit_id: office, lat: 30.002, lon: 120.003}\n"


def imported(table: str, items: list[Any]) -> Event:
    return Event("organisation", OrganisationImported, {"table": table, table: items})


def import_args(table: Any, text: str, fmt: io.Format = io.Format.CSV) -> ImportOrganisation:
    return ImportOrganisation(table=table, format=fmt, text=text)


IMPORTS = [
    case(
        "units into an empty console",
        EMPTY,
        import_args("units", UNITS),
        emits(imported("units", list(UNIT_ROWS)), rows=4),
    ),
    case(
        "places of known units, and no other table filled",
        WITH_UNITS,
        import_args("places", PLACES),
        emits(
            Event(
                "organisation",
                OrganisationImported,
                {"table": "places", "places": list(PLACE_ROWS), "units": [], "people": [], "shifts": []},
            ),
            rows=4,
        ),
    ),
    case(
        "people of known units and places",
        WITH_PLACES,
        import_args("people", PEOPLE),
        emits(imported("people", list(PERSON_ROWS)), rows=5),
    ),
    case(
        "shifts of known units and people",
        ORG,
        import_args("shifts", shifts(NOW)),
        emits(imported("shifts", list(SHIFT_ROWS)), rows=5),
    ),
    case(
        "shift times without an offset are in the console's time zone",
        ORG,
        import_args("shifts", LOCAL_SHIFT),
        emits(
            imported(
                "shifts",
                [
                    Shift(
                        id="s-x",
                        unit_id="office",
                        post=Post.STANDBY,
                        start=datetime(2024, 5, 6, 8, 0, tzinfo=SHANGHAI),
                        end=datetime(2024, 5, 6, 20, 0, tzinfo=SHANGHAI),
                        holder_id="r1",
                    )
                ],
            ),
            rows=1,
        ),
    ),
    case(
        "places as YAML",
        ORG,
        import_args("places", ANNEX_YAML, io.Format.YAML),
        emits(
            imported(
                "places",
                [Place(id="annex", name="信访局东侧门", unit_id="office", lat=30.002, lon=120.003)],
            ),
            rows=1,
        ),
    ),
    case(
        "a place re-imported under its own id keeps its name",
        ORG,
        import_args("places", "id,name\nhall,接待大厅\n"),
        emits(imported("places", [Place(id="hall", name="接待大厅")]), rows=1),
    ),
    case(
        "people whose units and places are not in the console",
        EMPTY,
        import_args("people", PEOPLE),
        Refusal(ImportRejected, "import_rejected", "10"),  # a unit and a base place on each of 5 rows
    ),
    case(
        "units that do not form a tree",
        EMPTY,
        import_args("units", "id,name,kind,parent_id\ntown,城关镇,township,county\n"),
        Refusal(ImportRejected, "import_rejected", "1"),
    ),
    case(
        "a place taking the name of another place",
        ORG,
        import_args("places", "id,name\nannex,接待大厅\n"),
        Refusal(ImportRejected, "import_rejected", "1"),
    ),
    case(
        "a shift held by nobody the console knows",
        ORG,
        import_args("shifts", LOCAL_SHIFT.replace(",r1\n", ",ghost\n")),
        Refusal(ImportRejected, "import_rejected", "1"),
    ),
    case(
        "a header and no rows",
        EMPTY,
        import_args("units", "id,name,kind,parent_id\n"),
        Refusal(DomainError, "nothing_to_import"),
    ),
    case(
        "an empty YAML list",
        EMPTY,
        import_args("units", "units: []\n", io.Format.YAML),
        Refusal(DomainError, "nothing_to_import"),
    ),
]


@pytest.mark.parametrize(("org", "args", "expected"), IMPORTS)
def test_import(org: Organisation, args: ImportOrganisation, expected: Emits | Refusal) -> None:
    check(decide_import, org, args, AS_DUTY, expected)


@pytest.mark.parametrize(
    ("fmt", "text", "row"),
    [
        case("CSV counts the header as row 1", io.Format.CSV, "id,name\nannex,接待大厅\n", 2),
        case("YAML counts items from 1", io.Format.YAML, "- {id: annex, name: 接待大厅}\n", 1),
    ],
)
def test_a_place_name_taken_is_named_with_its_row(fmt: io.Format, text: str, row: int) -> None:
    with pytest.raises(ImportRejected) as err:
        decide_import(ORG, import_args("places", text, fmt), AS_DUTY)
    assert err.value.errors == (
        io.RowError(row, "name", "place name '接待大厅' is taken", "地点名称「接待大厅」已存在"),
    )


def test_a_place_name_taken_after_a_blank_line_is_named_with_its_file_row() -> None:
    text = "id,name,unit_id\nannex,信访局东侧门,office\n\nx,机关大门,county\n"
    with pytest.raises(ImportRejected) as err:
        decide_import(ORG, import_args("places", text), AS_DUTY)
    assert [(e.row, e.column) for e in err.value.errors] == [(4, "name")]


def test_a_rejected_place_import_names_every_bad_row() -> None:
    text = "id,name,unit_id\nannex,信访局东侧门,nowhere\nx,机关大门,county\n"
    with pytest.raises(ImportRejected) as err:
        decide_import(ORG, import_args("places", text), AS_DUTY)
    assert [(e.row, e.column) for e in err.value.errors] == [(2, "unit_id"), (3, "name")]


# --- place.add ---

PLACE_ID = "place-" + NEW_ID[:12]


def added(**fields: Any) -> Event:
    return Event("organisation", PlaceAdded, {"place": Place(id=PLACE_ID, added_by="u-r1", **fields)})


PLACES_ADDED = [
    case(
        "a place of a unit, with its position",
        ORG,
        AddPlace(name="信访局东侧门", unit_id="office", lat=30.002, lon=120.003),
        emits(added(name="信访局东侧门", unit_id="office", lat=30.002, lon=120.003), place_id=PLACE_ID),
    ),
    case(
        "a place with a name only, in an empty console",
        EMPTY,
        AddPlace(name="  县城广场 "),
        emits(added(name="县城广场"), place_id=PLACE_ID),
    ),
    case(
        "a unit the console does not know",
        ORG,
        AddPlace(name="信访局东侧门", unit_id="nowhere"),
        Refusal(NotFound, "unit_not_found"),
    ),
    case("a name already taken", ORG, AddPlace(name="接待大厅"), Refusal(DomainError, "place_exists")),
    case(
        "the new id already taken",
        Organisation(UNIT_IDS, PERSON_IDS, {PLACE_ID: Place(id=PLACE_ID, name="旧地点")}),
        AddPlace(name="信访局东侧门"),
        Refusal(DomainError, "place_exists"),
    ),
]


@pytest.mark.parametrize(("org", "args", "expected"), PLACES_ADDED)
def test_add_place(org: Organisation, args: AddPlace, expected: Emits | Refusal) -> None:
    check(decide_add_place, org, args, AS_R1, expected)


def test_a_place_with_only_one_coordinate_is_invalid() -> None:
    with pytest.raises(ValidationError, match="lat and lon go together"):
        decide_add_place(ORG, AddPlace(name="信访局东侧门", lat=30.002), AS_R1)


# --- roster.change ---

ROSTER = Roster(shifts=SHIFT_ROWS)
CHANGE_ID = "chg-" + NEW_ID[:16]


def change(kind: ChangeKind, shift_id: str, *, change_id: str = CHANGE_ID, **fields: Any) -> RosterChange:
    return RosterChange(
        id=change_id, kind=kind, shift_id=shift_id, made_by="u-duty", made_at=NOW, reason="换班", **fields
    )


def roster_with(*changes: RosterChange) -> tuple[Roster, frozenset[str]]:
    return ROSTER.model_copy(update={"changes": changes}), PERSON_IDS


SWAPPED = change(ChangeKind.SWAP, "s-r1", change_id="chg-earlier", other_shift_id="s-r2")
SWAP, OVERRIDE = ChangeKind.SWAP, ChangeKind.OVERRIDE


def swap(shift_id: str, other: str) -> ChangeRoster:
    return ChangeRoster(kind=SWAP, shift_id=shift_id, other_shift_id=other, reason="换班")


def override(shift_id: str, holder: str) -> ChangeRoster:
    return ChangeRoster(kind=OVERRIDE, shift_id=shift_id, new_holder_id=holder, reason="换班")


def changed(roster_change: RosterChange) -> Emits:
    return emits(Event("roster", RosterChanged, {"change": roster_change}), change_id=CHANGE_ID)


ROSTER_CHANGES = [
    case(
        "two standby shifts swap holders",
        roster_with(),
        swap("s-r1", "s-r2"),
        changed(change(SWAP, "s-r1", other_shift_id="s-r2")),
    ),
    case(
        "a shift gets a new holder",
        roster_with(),
        override("s-r1", "r3"),
        changed(change(OVERRIDE, "s-r1", new_holder_id="r3")),
    ),
    case(
        "a swapped shift goes back to its drawn-up holder",
        roster_with(SWAPPED),
        override("s-r1", "r1"),
        changed(change(OVERRIDE, "s-r1", new_holder_id="r1")),
    ),
    case(
        "a new holder the console does not know",
        roster_with(),
        override("s-r1", "ghost"),
        Refusal(NotFound, "person_not_found"),
    ),
    case(
        "an override to the current holder",
        roster_with(),
        override("s-r1", "r1"),
        Refusal(Refused, "roster_refused", "the new holder already holds the shift"),
    ),
    case(
        "an override to the holder after a swap",
        roster_with(SWAPPED),
        override("s-r1", "r2"),
        Refusal(Refused, "roster_refused", "the new holder already holds the shift"),
    ),
    case(
        "an unknown shift",
        roster_with(),
        override("s-x", "r2"),
        Refusal(Refused, "roster_refused", "no shift 's-x'"),
    ),
    case(
        "a swap with an unknown shift",
        roster_with(),
        swap("s-r1", "s-x"),
        Refusal(Refused, "roster_refused", "no shift 's-x'"),
    ),
    case(
        "a swap of a shift with itself",
        roster_with(),
        swap("s-r1", "s-r1"),
        Refusal(Refused, "roster_refused", "cannot swap a shift with itself"),
    ),
    case(
        "a swap across posts (standby with the leader on duty)",
        roster_with(),
        swap("s-r1", "s-lead"),
        Refusal(Refused, "roster_refused", "swaps are only between shifts of the same post"),
    ),
    case(
        "a change id already used",
        roster_with(change(OVERRIDE, "s-r2", new_holder_id="r3")),
        override("s-r1", "r3"),
        Refusal(Refused, "roster_refused", "duplicate change id"),
    ),
]


@pytest.mark.parametrize(("state", "args", "expected"), ROSTER_CHANGES)
def test_roster_change(
    state: tuple[Roster, frozenset[str]], args: ChangeRoster, expected: Emits | Refusal
) -> None:
    check(decide_roster_change, state, args, AS_DUTY, expected)


@pytest.mark.parametrize(
    "args",
    [
        case("a swap naming a new holder", {"kind": SWAP, "other_shift_id": "s-r2", "new_holder_id": "r2"}),
        case("a swap without the other shift", {"kind": SWAP}),
        case("an override without a new holder", {"kind": OVERRIDE}),
        case(
            "an override naming another shift",
            {"kind": OVERRIDE, "new_holder_id": "r2", "other_shift_id": "s-r2"},
        ),
    ],
)
def test_a_roster_change_of_the_wrong_shape_is_invalid(args: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        decide_roster_change(roster_with(), ChangeRoster(shift_id="s-r1", reason="换班", **args), AS_DUTY)


# --- responder.dispatch ---

PLACE_IDS = frozenset(PLACES_BY_ID)
PLACE_BY_NAME = {p.name: p.id for p in PLACE_ROWS}
AT_GATE = IncidentRef("i1", True, "机关大门")
CLOSED = IncidentRef("i1", False, "机关大门")


def responders(
    *people: PersonState, actor: str | None = None, incident: IncidentRef | None = AT_GATE
) -> Responders:
    return Responders(
        actor_person=actor,
        people={p.person_id: p for p in people},
        incident=incident,
        place_ids=PLACE_IDS,
        place_by_name=PLACE_BY_NAME,
    )


def person(
    person_id: str, base: S = S.AVAILABLE, *held: Assignment, reason: str | None = None
) -> PersonState:
    return PersonState(person_id, base, reason, held)


def moved(person_id: str, stream: str = "incident-i1", **fields: Any) -> Event:
    return Event(stream, ResponderMoved, {"person_id": person_id, **fields})


def sent(person_id: str, place_id: str | None = "gate", role: str | None = None) -> Event:
    fields: dict[str, Any] = {
        "move": Move.DISPATCH,
        "status": S.DISPATCHED,
        "incident_id": "i1",
        "place_id": place_id,
    }
    return moved(person_id, **fields, role=role, on_behalf=False, lat=None, lon=None)


def dispatch(*person_ids: str, **fields: Any) -> DispatchResponders:
    return DispatchResponders(incident_id="i1", person_ids=list(person_ids), **fields)


ON_SCENE_AT_I2 = Assignment("i2", S.ON_SCENE, "yard", "yard")

DISPATCHES = [
    case(
        "two people to the place named as the incident's, with their task",
        responders(person("r1"), person("r2")),
        dispatch("r1", "r2", role="现场劝导"),
        emits(sent("r1", role="现场劝导"), sent("r2", role="现场劝导"), dispatched=2),
    ),
    case(
        "a person named twice is sent once",
        responders(person("r1")),
        dispatch("r1", "r1"),
        emits(sent("r1"), dispatched=1),
    ),
    case(
        "to a destination given",
        responders(person("r1")),
        dispatch("r1", destination_id="hall"),
        emits(sent("r1", "hall"), dispatched=1),
    ),
    case(
        "an incident at a place the console does not name goes to no destination",
        responders(person("r1"), incident=IncidentRef("i1", True, "县城广场")),
        dispatch("r1"),
        emits(sent("r1", None), dispatched=1),
    ),
    case(
        "someone cleared from another incident",
        responders(person("r1", S.CLEARED)),
        dispatch("r1"),
        emits(sent("r1"), dispatched=1),
    ),
    case(
        "someone on scene elsewhere (they may not depart until they leave it)",
        responders(person("r1", S.AVAILABLE, ON_SCENE_AT_I2)),
        dispatch("r1"),
        emits(sent("r1"), dispatched=1),
    ),
    case(
        "an incident the console does not know",
        responders(person("r1"), incident=None),
        dispatch("r1"),
        Refusal(NotFound, "incident_not_found"),
    ),
    case(
        "a closed incident",
        responders(person("r1"), incident=CLOSED),
        dispatch("r1"),
        Refusal(DomainError, "incident_closed"),
    ),
    case(
        "a destination the console does not know",
        responders(person("r1")),
        dispatch("r1", destination_id="nowhere"),
        Refusal(NotFound, "place_not_found"),
    ),
    case(
        "one person the console does not know refuses them all",
        responders(person("r1")),
        dispatch("r1", "ghost"),
        Refusal(NotFound, "person_not_found"),
    ),
    case(
        "one person off duty refuses them all",
        responders(person("r1"), person("r3", S.OFF_DUTY)),
        dispatch("r1", "r3"),
        Refusal(Refused, "illegal_move", "cannot dispatch while off_duty"),
    ),
    case(
        "someone already dispatched to this incident",
        responders(person("r1", S.AVAILABLE, Assignment("i1", S.DISPATCHED, "gate"))),
        dispatch("r1"),
        Refusal(Refused, "illegal_move", "cannot dispatch while dispatched"),
    ),
    case(
        "someone marked unavailable",
        responders(person("r3", S.UNAVAILABLE, reason="病假")),
        dispatch("r3"),
        Refusal(Refused, "illegal_move", "cannot dispatch while unavailable"),
    ),
]


@pytest.mark.parametrize(("state", "args", "expected"), DISPATCHES)
def test_dispatch(state: Responders, args: DispatchResponders, expected: Emits | Refusal) -> None:
    check(decide_dispatch, state, args, AS_DUTY, expected)


# --- responder.move ---


def held(status: S, incident_id: str = "i1", place_id: str | None = None) -> Assignment:
    return Assignment(incident_id, status, destination_id="gate", place_id=place_id)


def report(move: Any, **fields: Any) -> ReportMove:
    return ReportMove(move=move, **fields)


def went(person_id: str, move: Move, status: S, *, on_behalf: bool = False, **fields: Any) -> Emits:
    """One move at incident i1, and the status it leaves."""
    wanted = {"move": move, "status": status, "incident_id": "i1", "on_behalf": on_behalf, **fields}
    return emits(moved(person_id, **wanted), status=status.value)


def own(person_id: str, move: Move, status: S, **fields: Any) -> Emits:
    """A person's own move (no incident), on their own stream."""
    stream = f"responder-{person_id}"
    event = moved(person_id, stream, move=move, status=status, incident_id=None, **fields)
    return emits(event, status=status.value)


R1 = "r1"
MOVES = [
    case(
        "acknowledge a dispatch",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.DISPATCHED)), actor=R1),
        report("acknowledge", incident_id="i1"),
        went(R1, Move.ACKNOWLEDGE, S.ACKNOWLEDGED, place_id=None, reason=None, note=None, role=None),
    ),
    case(
        "depart for a new destination",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.ACKNOWLEDGED)), actor=R1),
        report("depart", incident_id="i1", place_id="hall"),
        went(R1, Move.DEPART, S.EN_ROUTE, place_id="hall"),
    ),
    case(
        "arrive with no place given is at the destination",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.EN_ROUTE)), actor=R1),
        report("arrive", incident_id="i1"),
        went(R1, Move.ARRIVE, S.ON_SCENE, place_id="gate"),
    ),
    case(
        "arrive at a place given, straight from acknowledged",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.ACKNOWLEDGED)), actor=R1),
        report("arrive", incident_id="i1", place_id="yard", lat=30.005, lon=120.005),
        went(R1, Move.ARRIVE, S.ON_SCENE, place_id="yard", lat=30.005, lon=120.005),
    ),
    case(
        "move to another place on scene",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.ON_SCENE, place_id="gate")), actor=R1),
        report("move_to", incident_id="i1", place_id="hall", note="随代表进入接待大厅"),
        went(R1, Move.MOVE_TO, S.ON_SCENE, place_id="hall", note="随代表进入接待大厅"),
    ),
    case(
        "clear one of two assignments",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.ON_SCENE), held(S.DISPATCHED, "i2")), actor=R1),
        report("clear", incident_id="i1", note=""),
        went(R1, Move.CLEAR, S.CLEARED, note=None),
    ),
    case(
        "clear at an incident already closed",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.ON_SCENE)), actor=R1, incident=CLOSED),
        report("clear", incident_id="i1"),
        went(R1, Move.CLEAR, S.CLEARED),
    ),
    case(
        "naming oneself is not on behalf",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.DISPATCHED)), actor=R1),
        report("acknowledge", incident_id="i1", person_id=R1),
        went(R1, Move.ACKNOWLEDGE, S.ACKNOWLEDGED, on_behalf=False),
    ),
    case(
        "a duty officer records an arrival on someone's behalf",
        AS_DUTY,
        responders(person("r2", S.AVAILABLE, held(S.EN_ROUTE)), actor="duty"),
        report("arrive", incident_id="i1", person_id="r2"),
        went("r2", Move.ARRIVE, S.ON_SCENE, on_behalf=True, place_id="gate"),
    ),
    case(
        "a duty officer who is no person releases someone, with the reason",
        AS_DUTY,
        responders(person("r3", S.AVAILABLE, held(S.DISPATCHED))),
        report("release", incident_id="i1", person_id="r3", reason="改派他处"),
        went("r3", Move.RELEASE, S.CLEARED, on_behalf=True, reason="改派他处"),
    ),
    case(
        "a leader releases their own assignment",
        AS_LEADER,
        responders(person("leader", S.AVAILABLE, held(S.ON_SCENE)), actor="leader"),
        report("release", incident_id="i1"),
        went("leader", Move.RELEASE, S.CLEARED, on_behalf=False),
    ),
    case(
        "sign on",
        AS_R1,
        responders(person(R1, S.OFF_DUTY), actor=R1, incident=None),
        report("sign_on"),
        own(R1, Move.SIGN_ON, S.AVAILABLE, on_behalf=False),
    ),
    case(
        "mark oneself unavailable, with the reason trimmed",
        AS_R1,
        responders(person(R1), actor=R1, incident=None),
        report("mark_unavailable", reason="  病假 "),
        own(R1, Move.MARK_UNAVAILABLE, S.UNAVAILABLE, reason="病假"),
    ),
    case(
        "available again",
        AS_R1,
        responders(person(R1, S.UNAVAILABLE, reason="病假"), actor=R1, incident=None),
        report("make_available"),
        own(R1, Move.MAKE_AVAILABLE, S.AVAILABLE),
    ),
    case(
        "a duty officer signs someone off once cleared",
        AS_DUTY,
        responders(person("r2", S.CLEARED), actor="duty", incident=None),
        report("sign_off", person_id="r2"),
        own("r2", Move.SIGN_OFF, S.OFF_DUTY, on_behalf=True),
    ),
    case(
        "a user who is no person",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.DISPATCHED))),
        report("acknowledge", incident_id="i1"),
        Refusal(DomainError, "not_a_responder"),
    ),
    case(
        "a responder for someone else",
        AS_R1,
        responders(person("r2", S.AVAILABLE, held(S.DISPATCHED)), actor=R1),
        report("acknowledge", incident_id="i1", person_id="r2"),
        Refusal(Forbidden, "on_behalf_forbidden"),
    ),
    case(
        "a responder releasing their own assignment",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.DISPATCHED)), actor=R1),
        report("release", incident_id="i1"),
        Refusal(Forbidden, "on_behalf_forbidden"),
    ),
    case(
        "a person the console does not know",
        AS_DUTY,
        responders(actor="duty"),
        report("arrive", incident_id="i1", person_id="ghost"),
        Refusal(NotFound, "person_not_found"),
    ),
    case(
        "an incident the console does not know",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.DISPATCHED)), actor=R1, incident=None),
        report("acknowledge", incident_id="i1"),
        Refusal(NotFound, "incident_not_found"),
    ),
    case(
        "a place the console does not know",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.ON_SCENE)), actor=R1),
        report("move_to", incident_id="i1", place_id="nowhere"),
        Refusal(NotFound, "place_not_found"),
    ),
    case(
        "acknowledge with no dispatch",
        AS_R1,
        responders(person(R1), actor=R1),
        report("acknowledge", incident_id="i1"),
        Refusal(Refused, "illegal_move", "cannot acknowledge while available"),
    ),
    case(
        "sign off while dispatched",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.DISPATCHED)), actor=R1, incident=None),
        report("sign_off"),
        Refusal(Refused, "illegal_move", "cannot sign_off while dispatched"),
    ),
    case(
        "an assignment move without an incident",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.ACKNOWLEDGED)), actor=R1, incident=None),
        report("depart"),
        Refusal(Refused, "illegal_move", "depart needs an incident"),
    ),
    case(
        "a person move at an incident",
        AS_R1,
        responders(person(R1, S.OFF_DUTY), actor=R1),
        report("sign_on", incident_id="i1"),
        Refusal(Refused, "illegal_move", "sign_on is not tied to an incident"),
    ),
    case(
        "unavailable with a blank reason",
        AS_R1,
        responders(person(R1), actor=R1, incident=None),
        report("mark_unavailable", reason="   "),
        Refusal(Refused, "illegal_move", "mark_unavailable needs a reason"),
    ),
    case(
        "move to no place",
        AS_R1,
        responders(person(R1, S.AVAILABLE, held(S.ON_SCENE)), actor=R1),
        report("move_to", incident_id="i1"),
        Refusal(Refused, "illegal_move", "move_to needs the new place"),
    ),
    case(
        "depart while on scene at another incident",
        AS_R1,
        responders(person(R1, S.AVAILABLE, ON_SCENE_AT_I2, held(S.ACKNOWLEDGED)), actor=R1),
        report("depart", incident_id="i1"),
        Refusal(Refused, "illegal_move", "already on_scene at incident i2"),
    ),
    case(
        "the refusal names both incidents by their numbers",
        AS_R1,
        replace(
            responders(person(R1, S.AVAILABLE, ON_SCENE_AT_I2, held(S.ACKNOWLEDGED)), actor=R1),
            incident_numbers={"i1": "XF-2026-0001", "i2": "XF-2026-0002"},
        ),
        report("depart", incident_id="i1"),
        Refusal(
            Refused,
            "illegal_move",
            "already on_scene at incident XF-2026-0002; clear or release it before depart at incident "
            "XF-2026-0001",
        ),
    ),
]


@pytest.mark.parametrize(("ctx", "state", "args", "expected"), MOVES)
def test_move(ctx: Context, state: Responders, args: ReportMove, expected: Emits | Refusal) -> None:
    check(decide_move, state, args, ctx, expected)


# --- rollcall.start ---


def rollcall_of(*assigned: str, incident: IncidentRef | None = AT_GATE) -> RollcallState:
    return RollcallState(actor_person="leader", incident=incident, assigned=assigned)


def started(*expected: str, deadline: str) -> Emits:
    fields = {"rollcall_id": NEW_ID, "incident_id": "i1", "expected": list(expected), "deadline": deadline}
    return emits(Event("incident-i1", RollcallStarted, fields), rollcall_id=NEW_ID)


ROLLCALLS_STARTED = [
    case(
        "everyone assigned, once each and sorted, within ten minutes",
        rollcall_of("r2", "r1", "r1"),
        StartRollcall(incident_id="i1"),
        started("r1", "r2", deadline="2024-05-06T04:10:00.000000Z"),
    ),
    case(
        "within the minutes given",
        rollcall_of("r3"),
        StartRollcall(incident_id="i1", within_minutes=2),
        started("r3", deadline="2024-05-06T04:02:00.000000Z"),
    ),
    case(
        "an incident the console does not know",
        rollcall_of("r1", incident=None),
        StartRollcall(incident_id="i1"),
        Refusal(NotFound, "incident_not_found"),
    ),
    case(
        "a closed incident",
        rollcall_of("r1", incident=CLOSED),
        StartRollcall(incident_id="i1"),
        Refusal(DomainError, "incident_closed"),
    ),
    case(
        "nobody assigned",
        rollcall_of(),
        StartRollcall(incident_id="i1"),
        Refusal(Refused, "rollcall_refused", "nobody to call the roll of"),
    ),
]


@pytest.mark.parametrize(("state", "args", "expected"), ROLLCALLS_STARTED)
def test_rollcall_start(state: RollcallState, args: StartRollcall, expected: Emits | Refusal) -> None:
    check(decide_rollcall_start, state, args, AS_LEADER, expected)


# --- rollcall.confirm ---


def called(minutes_ago: int, within: int = 10, *confirmed: str) -> RollCall:
    """A roll call of r1, r2 and r3 at incident i1, started `minutes_ago`; `confirmed` have answered."""
    call = start_rollcall(
        rollcall_id="rc1",
        incident_id="i1",
        started_by="u-leader",
        people=("r1", "r2", "r3"),
        now=NOW - timedelta(minutes=minutes_ago),
        within_minutes=within,
    )
    for person_id in confirmed:
        call = confirm(call, person_id, actor_id=f"u-{person_id}", now=NOW - timedelta(minutes=1))
    return call


def answering(call: RollCall | None, actor: str | None) -> RollcallState:
    return RollcallState(actor_person=actor, incident=None, rollcall=call)


def confirmed(person_id: str, *, place_id: str | None = None, on_behalf: bool = False) -> Emits:
    fields = {
        "rollcall_id": "rc1",
        "incident_id": "i1",
        "person_id": person_id,
        "place_id": place_id,
        "on_behalf": on_behalf,
    }
    return emits(Event("incident-i1", RollcallConfirmed, fields))


CONFIRMATIONS = [
    case(
        "one's own answer",
        AS_R1,
        answering(called(5, 10, "r3"), R1),
        ConfirmRollcall(rollcall_id="rc1"),
        confirmed(R1),
    ),
    case(
        "one's own answer, with where one is",
        AS_R1,
        answering(called(5), R1),
        ConfirmRollcall(rollcall_id="rc1", place_id="gate"),
        confirmed(R1, place_id="gate"),
    ),
    case(
        "after the deadline",
        AS_R1,
        answering(called(30), R1),
        ConfirmRollcall(rollcall_id="rc1"),
        confirmed(R1),
    ),
    case(
        "a duty officer for someone else",
        AS_DUTY,
        answering(called(5), "duty"),
        ConfirmRollcall(rollcall_id="rc1", person_id="r2"),
        confirmed("r2", on_behalf=True),
    ),
    case(
        "a roll call the console does not know",
        AS_R1,
        answering(None, R1),
        ConfirmRollcall(rollcall_id="rc1"),
        Refusal(NotFound, "rollcall_not_found"),
    ),
    case(
        "a user who is no person",
        AS_R1,
        answering(called(5), None),
        ConfirmRollcall(rollcall_id="rc1"),
        Refusal(DomainError, "not_a_responder"),
    ),
    case(
        "a responder for someone else",
        AS_R1,
        answering(called(5), R1),
        ConfirmRollcall(rollcall_id="rc1", person_id="r2"),
        Refusal(Forbidden, "on_behalf_forbidden"),
    ),
    case(
        "someone not on the roll call",
        AS_DUTY,
        answering(called(5), "duty"),
        ConfirmRollcall(rollcall_id="rc1", person_id="leader"),
        Refusal(Refused, "rollcall_refused", "leader is not on roll call rc1"),
    ),
    case(
        "a second answer",
        AS_R1,
        answering(called(5, 10, R1), R1),
        ConfirmRollcall(rollcall_id="rc1"),
        Refusal(Refused, "rollcall_refused", "already confirmed"),
    ),
]


@pytest.mark.parametrize(("ctx", "state", "args", "expected"), CONFIRMATIONS)
def test_rollcall_confirm(
    ctx: Context, state: RollcallState, args: ConfirmRollcall, expected: Emits | Refusal
) -> None:
    check(decide_rollcall_confirm, state, args, ctx, expected)


# --- rollcall.flag_overdue ---


def overdue(
    call: RollCall | None, incident: IncidentRef | None = AT_GATE, flagged: bool = False
) -> OverdueState:
    return OverdueState(rollcall=call, incident=incident, flagged=flagged)


def flagged(*unconfirmed: str, deadline: str) -> Emits:
    fields = {
        "rollcall_id": "rc1",
        "incident_id": "i1",
        "started_by": "u-leader",
        "deadline": deadline,
        "unconfirmed": list(unconfirmed),
    }
    return emits(Event("incident-i1", RollcallOverdue, fields), unconfirmed=len(unconfirmed))


FLAG = FlagOverdueRollcall(rollcall_id="rc1")
OVERDUE_FLAGS = [
    case(
        "who has not answered once the time is up",
        overdue(called(12, 10, R1)),
        FLAG,
        flagged("r2", "r3", deadline="2024-05-06T03:58:00.000000Z"),
    ),
    case(
        "at the deadline itself",
        overdue(called(10)),
        FLAG,
        flagged("r1", "r2", "r3", deadline="2024-05-06T04:00:00.000000Z"),
    ),
    case(
        "a roll call the console does not know", overdue(None), FLAG, Refusal(NotFound, "rollcall_not_found")
    ),
    case(
        "an incident the console does not know",
        overdue(called(12), incident=None),
        FLAG,
        Refusal(NotFound, "incident_not_found"),
    ),
    case(
        "a closed incident",
        overdue(called(12), incident=CLOSED),
        FLAG,
        Refusal(DomainError, "incident_closed"),
    ),
    case(
        "flagged already",
        overdue(called(12), flagged=True),
        FLAG,
        Refusal(Refused, "rollcall_refused", "already flagged overdue"),
    ),
    case(
        "before the deadline",
        overdue(called(5)),
        FLAG,
        Refusal(Refused, "rollcall_refused", "not overdue"),
    ),
    case(
        "everyone answered",
        overdue(called(12, 10, "r1", "r2", "r3")),
        FLAG,
        Refusal(Refused, "rollcall_refused", "not overdue"),
    ),
]


@pytest.mark.parametrize(("state", "args", "expected"), OVERDUE_FLAGS)
def test_rollcall_overdue(state: OverdueState, args: FlagOverdueRollcall, expected: Emits | Refusal) -> None:
    check(decide_rollcall_overdue, state, args, replace(AS_DUTY, actor=SYSTEM_ACTOR), expected)
