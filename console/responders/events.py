"""The responders events: the organisation as imported, places, roster changes, every move, roll calls."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from alerts.policy import ImportedPolicy
from responders.organisation import Person, Place, Unit
from responders.roster import RosterChange, Shift
from responders.status import Move, ResponderStatus

from ..events import VISIBILITY_PERSONAL, EventPayload, event_type
from .commands import Table

# The fields of a Person that are personal data (console.permissions, "personal").
PERSONAL_FIELDS = frozenset({"phone"})


def person_stream(person_id: str) -> str:
    return f"responder-{person_id}"


@event_type("org.imported")
class OrganisationImported(EventPayload):
    """A whole file of units, people, places or shifts, accepted as one."""

    table: Table
    units: list[Unit] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    shifts: list[Shift] = Field(default_factory=list)
    # 通知策略: the organisation's own escalation policies (console.alerts projects them).
    policies: list[ImportedPolicy] = Field(default_factory=list)
    # The ids of the organisation's policies this import removes (items `{id, removed: true}`).
    removed_policies: list[str] = Field(default_factory=list)

    @classmethod
    def public_data(cls, data: dict[str, Any], classes: frozenset[str]) -> dict[str, Any]:
        # A person's phone is personal data: only views holding the class get it (units' office
        # numbers are not personal and stay).
        if VISIBILITY_PERSONAL in classes or not data.get("people"):
            return data
        people = [{k: v for k, v in p.items() if k not in PERSONAL_FIELDS} for p in data["people"]]
        return {**data, "people": people}


@event_type("place.added")
class PlaceAdded(EventPayload):
    place: Place


@event_type("roster.changed")
class RosterChanged(EventPayload):
    change: RosterChange


@event_type("responder.moved")
class ResponderMoved(EventPayload):
    """One move of one person (派遣、确认、出发、到达、转移、撤离、解除; 上岗、下岗、暂不可派、恢复待命).

    The event's actor is who recorded it, `occurred_at` when it happened; `on_behalf` is set when someone
    other than the person reported the person's own move (代为登记).
    """

    person_id: str
    move: Move
    status: ResponderStatus  # the assignment's status after the move, or the person's own
    incident_id: str | None = None
    place_id: str | None = None
    lat: float | None = None
    lon: float | None = None
    role: str | None = None
    reason: str | None = None
    note: str | None = None
    on_behalf: bool = False
    # A leader (分管领导、委领导 or the leader on duty) when moved: 领导到位情况, and the runs domain ticks
    # the leader's step on site when one arrives (console.runs.follow).
    leader: bool = False


@event_type("rollcall.started")
class RollcallStarted(EventPayload):
    rollcall_id: str
    incident_id: str
    expected: list[str]
    deadline: str


@event_type("rollcall.confirmed")
class RollcallConfirmed(EventPayload):
    rollcall_id: str
    incident_id: str
    person_id: str
    place_id: str | None = None
    on_behalf: bool = False


@event_type("rollcall.overdue")
class RollcallOverdue(EventPayload):
    """清点超时: the roll call's time is up with these people unconfirmed; the lead who started it is told."""

    rollcall_id: str
    incident_id: str
    started_by: str
    deadline: str
    unconfirmed: list[str]


EVENTS: tuple[type[EventPayload], ...] = (
    OrganisationImported,
    PlaceAdded,
    RosterChanged,
    ResponderMoved,
    RollcallStarted,
    RollcallConfirmed,
    RollcallOverdue,
)
