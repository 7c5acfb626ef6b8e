"""The pure decisions on responders: state in, events out. No I/O, no clock (the context has `now`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from alerts.policy_io import PolicyImport, PolicyOrg, import_policies
from responders import io
from responders.organisation import DuplicatePlace, Frozen, Place, check_new_place
from responders.rollcall import RollCall, RollCallError, confirm, start_rollcall, unconfirmed
from responders.roster import Roster, RosterChange, RosterError, check_change
from responders.status import Move, PersonState, ResponderStatus, StatusError, check_move
from responders.text import Text

from ..clock import utc_iso
from ..commands import Context, Decision
from ..errors import DomainError, Forbidden, NotFound
from ..events import NewEvent
from ..incidents.events import stream_of
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
from .errors import ImportRejected, Refused
from .events import (
    OrganisationImported,
    PlaceAdded,
    ResponderMoved,
    RollcallConfirmed,
    RollcallOverdue,
    RollcallStarted,
    RosterChanged,
    person_stream,
)
from .permissions import may_dispatch


@dataclass(frozen=True)
class Organisation:
    """Ids already in the console, which imported rows and new places may refer to."""

    unit_ids: frozenset[str]
    person_ids: frozenset[str]
    places: Mapping[str, Place]
    # For an import of policies: what their targets and removals are checked against.
    policies: PolicyOrg | None = None


@dataclass(frozen=True)
class IncidentRef:
    id: str
    open: bool
    place: str


@dataclass(frozen=True)
class Responders:
    """What a dispatch or a move needs: the people concerned, the incident and the known places."""

    actor_person: str | None  # the person the signed-in user is (person id = user name), if any
    people: Mapping[str, PersonState]  # only people that exist
    incident: IncidentRef | None
    place_ids: frozenset[str]
    place_by_name: Mapping[str, str] = field(default_factory=dict)
    leaders: frozenset[str] = frozenset()  # the people concerned who count as leaders (领导到位情况)
    # The number (XF-…) of this incident and of every incident the people concerned are assigned to:
    # what a refusal names them by.
    incident_numbers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RollcallState:
    actor_person: str | None
    incident: IncidentRef | None
    assigned: tuple[str, ...] = ()
    rollcall: RollCall | None = None


@dataclass(frozen=True)
class OverdueState:
    """A roll call whose time may be up, its incident, and whether it was already flagged."""

    rollcall: RollCall | None
    incident: IncidentRef | None
    flagged: bool


def decide_import(org: Organisation, args: ImportOrganisation, ctx: Context) -> Decision:
    """All rows or none: any bad row refuses the whole file, naming every bad row."""
    text, fmt, places = args.text, args.format, org.places
    result: io.ImportResult[Frozen] | PolicyImport
    if args.table == "policies":
        result = import_policies(text, fmt, org.policies)
    elif args.table == "units":
        result = io.import_units(text, fmt)  # type: ignore[assignment]
    elif args.table == "people":
        result = io.import_people(  # type: ignore[assignment]
            text, fmt, unit_ids=org.unit_ids, place_ids=frozenset(places)
        )
    elif args.table == "places":
        owners = {p.name: p.id for p in places.values()}
        result = io.import_places(text, fmt, unit_ids=org.unit_ids, owners=owners)  # type: ignore[assignment]
    else:
        result = io.import_shifts(  # type: ignore[assignment]
            text, fmt, unit_ids=org.unit_ids, person_ids=org.person_ids, default_tz=ctx.tz
        )
    if not result.ok:
        raise ImportRejected(result.errors)
    removed = list(result.removed) if isinstance(result, PolicyImport) else []
    if not result.items and not removed:
        raise DomainError("nothing_to_import")
    event = OrganisationImported.model_validate(
        {"table": args.table, args.table: list(result.items), "removed_policies": removed}
    )
    answer: dict[str, str | int | None] = {"rows": len(result.items)}
    if removed:
        answer["removed"] = ",".join(removed)
    return Decision(events=[NewEvent(stream="organisation", payload=event)], result=answer)


def decide_add_place(org: Organisation, args: AddPlace, ctx: Context) -> Decision:
    if args.unit_id is not None and args.unit_id not in org.unit_ids:
        raise NotFound("unit_not_found")
    place = Place(
        id="place-" + ctx.new_id[:12],
        name=args.name,
        unit_id=args.unit_id,
        lat=args.lat,
        lon=args.lon,
        added_by=ctx.actor.id,
        place_type=args.place_type,
    )
    try:
        check_new_place(org.places.values(), place)
    except DuplicatePlace:
        raise DomainError("place_exists") from None
    return Decision(
        events=[NewEvent(stream="organisation", payload=PlaceAdded(place=place))],
        result={"place_id": place.id},
    )


def decide_roster_change(state: tuple[Roster, frozenset[str]], args: ChangeRoster, ctx: Context) -> Decision:
    roster, person_ids = state
    if args.new_holder_id is not None and args.new_holder_id not in person_ids:
        raise NotFound("person_not_found")
    change = RosterChange(
        id="chg-" + ctx.new_id[:16],
        kind=args.kind,
        shift_id=args.shift_id,
        other_shift_id=args.other_shift_id,
        new_holder_id=args.new_holder_id,
        made_by=ctx.actor.id,
        made_at=ctx.now,
        reason=args.reason,
    )
    try:
        check_change(roster, change)
    except RosterError as exc:
        raise Refused("roster_refused", exc.text) from None
    event = RosterChanged(change=change)
    return Decision(events=[NewEvent(stream="roster", payload=event)], result={"change_id": change.id})


def _open_incident(incident: IncidentRef | None) -> IncidentRef:
    if incident is None:
        raise NotFound("incident_not_found")
    if not incident.open:
        raise DomainError("incident_closed")
    return incident


def _checked(
    state: PersonState,
    incident_id: str | None,
    move: Move,
    numbers: Mapping[str, str],
    **detail: str | None,
) -> PersonState:
    try:
        return check_move(state, incident_id, move, names=numbers, **detail)
    except StatusError as exc:
        raise Refused("illegal_move", exc.text) from None


def decide_dispatch(state: Responders, args: DispatchResponders, ctx: Context) -> Decision:
    """Send each person to the incident; one refusal (unknown, busy, off duty) refuses them all."""
    incident = _open_incident(state.incident)
    destination = args.destination_id or state.place_by_name.get(incident.place)
    if destination is not None and destination not in state.place_ids:
        raise NotFound("place_not_found")
    events = []
    for person_id in dict.fromkeys(args.person_ids):
        person = state.people.get(person_id)
        if person is None:
            raise NotFound("person_not_found")
        _checked(person, incident.id, Move.DISPATCH, state.incident_numbers, place_id=destination)
        moved = ResponderMoved(
            person_id=person_id,
            move=Move.DISPATCH,
            status=ResponderStatus.DISPATCHED,
            incident_id=incident.id,
            place_id=destination,
            role=args.role,
            leader=person_id in state.leaders,
        )
        events.append(NewEvent(stream=stream_of(incident.id), payload=moved))
    return Decision(events=events, result={"dispatched": len(events)})


def decide_move(state: Responders, args: ReportMove, ctx: Context) -> Decision:
    """A reported move; someone else's only for those who dispatch, and release is theirs alone."""
    move = Move(args.move)
    person_id = args.person_id or state.actor_person
    if person_id is None:
        raise DomainError("not_a_responder")
    on_behalf = person_id != state.actor_person
    if (on_behalf or move is Move.RELEASE) and not may_dispatch(ctx.actor.roles):
        raise Forbidden("on_behalf_forbidden")
    person = state.people.get(person_id)
    if person is None:
        raise NotFound("person_not_found")
    if args.incident_id is not None and state.incident is None:
        raise NotFound("incident_not_found")
    if args.place_id is not None and args.place_id not in state.place_ids:
        raise NotFound("place_not_found")
    after = _checked(
        person, args.incident_id, move, state.incident_numbers, place_id=args.place_id, reason=args.reason
    )
    place_id = args.place_id
    if args.incident_id is None:
        status = after.base
    else:
        held = after.assignment(args.incident_id)
        status = held.status if held is not None else ResponderStatus.CLEARED
        if move is Move.ARRIVE and held is not None:
            place_id = held.place_id
    event = ResponderMoved(
        person_id=person_id,
        move=move,
        status=status,
        incident_id=args.incident_id,
        place_id=place_id,
        lat=args.lat,
        lon=args.lon,
        reason=args.reason.strip() if args.reason else None,
        note=args.note or None,
        on_behalf=on_behalf,
        leader=person_id in state.leaders,
    )
    stream = stream_of(args.incident_id) if args.incident_id else person_stream(person_id)
    return Decision(events=[NewEvent(stream=stream, payload=event)], result={"status": status.value})


def decide_rollcall_start(state: RollcallState, args: StartRollcall, ctx: Context) -> Decision:
    incident = _open_incident(state.incident)
    try:
        call = start_rollcall(
            rollcall_id=ctx.new_id,
            incident_id=incident.id,
            started_by=ctx.actor.id,
            people=state.assigned,
            now=ctx.now,
            within_minutes=args.within_minutes,
        )
    except RollCallError as exc:
        raise Refused("rollcall_refused", exc.text) from None
    event = RollcallStarted(
        rollcall_id=call.id,
        incident_id=incident.id,
        expected=list(call.expected),
        deadline=utc_iso(call.deadline),
    )
    return Decision(
        events=[NewEvent(stream=stream_of(incident.id), payload=event)], result={"rollcall_id": call.id}
    )


def decide_rollcall_confirm(state: RollcallState, args: ConfirmRollcall, ctx: Context) -> Decision:
    call = state.rollcall
    if call is None:
        raise NotFound("rollcall_not_found")
    person_id = args.person_id or state.actor_person
    if person_id is None:
        raise DomainError("not_a_responder")
    on_behalf = person_id != state.actor_person
    if on_behalf and not may_dispatch(ctx.actor.roles):
        raise Forbidden("on_behalf_forbidden")
    try:
        after = confirm(call, person_id, actor_id=ctx.actor.id, now=ctx.now, place_id=args.place_id)
    except RollCallError as exc:
        raise Refused("rollcall_refused", exc.text) from None
    if after is call:
        raise Refused("rollcall_refused", Text("已确认到位", "already confirmed"))
    event = RollcallConfirmed(
        rollcall_id=call.id,
        incident_id=call.incident_id,
        person_id=person_id,
        place_id=args.place_id,
        on_behalf=on_behalf,
    )
    return Decision(events=[NewEvent(stream=stream_of(call.incident_id), payload=event)])


def decide_rollcall_overdue(state: OverdueState, args: FlagOverdueRollcall, ctx: Context) -> Decision:
    """Once the deadline has passed with people unconfirmed, record who they are, once."""
    call = state.rollcall
    if call is None:
        raise NotFound("rollcall_not_found")
    _open_incident(state.incident)
    if state.flagged:
        raise Refused("rollcall_refused", Text("已提示清点超时", "the roll call is already flagged overdue"))
    missing = [u.person_id for u in unconfirmed(call, ctx.now) if u.overdue]
    if not missing:
        raise Refused("rollcall_refused", Text("清点未超时或已全部确认", "the roll call is not overdue"))
    event = RollcallOverdue(
        rollcall_id=call.id,
        incident_id=call.incident_id,
        started_by=call.started_by,
        deadline=utc_iso(call.deadline),
        unconfirmed=missing,
    )
    return Decision(
        events=[NewEvent(stream=stream_of(call.incident_id), payload=event)],
        result={"unconfirmed": len(missing)},
    )
