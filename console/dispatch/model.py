"""Responders in the console: the commands clients send, the events they become, and the refusals.

The decisions themselves are the pure functions of the `responders` package; this module gives them
typed commands and events, and turns their bilingual refusals into translated console errors.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from responders.io import Format, RowError
from responders.organisation import Person, Place, Unit
from responders.roster import ChangeKind, RosterChange, Shift
from responders.status import Move, ResponderStatus
from responders.text import Text

from ..commands import CommandArgs
from ..errors import DomainError, InvalidInput
from ..events import EventPayload, event_type
from ..i18n import translate

IdField = Field(min_length=1, max_length=64)
OptionalId = Field(default=None, min_length=1, max_length=64)
Table = Literal["units", "people", "places", "shifts"]
# Moves a responder (or a duty officer on their behalf) reports; dispatching has its own command.
REPORTED_MOVES = tuple(m for m in Move if m is not Move.DISPATCH)


def person_stream(person_id: str) -> str:
    return f"responder-{person_id}"


# --- refusals ---


class Refused(DomainError):
    """A refusal whose detail the responders core wrote in both languages (status machine, roster…)."""

    def __init__(self, code: str, text: Text) -> None:
        super().__init__(code, detail=text.en)
        self.text = text

    def message(self, locale: str | None) -> str:
        detail = self.text.en if locale == "en" else self.text.zh
        return translate(self.code, locale, detail=detail)


class ImportRejected(InvalidInput):
    """导入失败: bad rows, each named with its row, column and reason; nothing was imported."""

    def __init__(self, errors: tuple[RowError, ...]) -> None:
        super().__init__("import_rejected", detail=len(errors))
        self.errors = errors

    def to_dict(self, locale: str | None) -> dict[str, object]:
        rows = [
            {"row": e.row, "column": e.column, "message": e.message if locale == "en" else e.message_zh}
            for e in self.errors[:200]
        ]
        return {**super().to_dict(locale), "errors": rows}


# --- commands ---


class ImportOrganisation(CommandArgs):
    """导入组织架构、人员、地点或值班表 (CSV/YAML); all rows or none."""

    table: Table
    format: Format = Format.CSV
    text: str = Field(min_length=1, max_length=200_000)


class AddPlace(CommandArgs):
    """新增地点: a named place added on the fly (from a tablet)."""

    name: str = Field(min_length=1, max_length=200)
    unit_id: str | None = OptionalId
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class ChangeRoster(CommandArgs):
    """换班 / 顶班: swap two shifts' holders, or give a shift a new holder, with a reason."""

    kind: ChangeKind
    shift_id: str = IdField
    other_shift_id: str | None = OptionalId
    new_holder_id: str | None = OptionalId
    reason: str = Field(min_length=1, max_length=200)


class DispatchResponders(CommandArgs):
    """派遣: send people to an incident with a role (任务) and a destination place."""

    incident_id: str = IdField
    person_ids: list[str] = Field(min_length=1, max_length=50)
    role: str | None = Field(default=None, min_length=1, max_length=200)
    destination_id: str | None = OptionalId


class ReportMove(CommandArgs):
    """报告动态: acknowledge, en route, on scene, move, clear, release, (un)available; own or on behalf."""

    move: Literal[
        "acknowledge",
        "depart",
        "arrive",
        "move_to",
        "clear",
        "release",
        "sign_on",
        "sign_off",
        "mark_unavailable",
        "make_available",
    ]
    person_id: str | None = OptionalId  # none: the signed-in user themself
    incident_id: str | None = OptionalId
    place_id: str | None = OptionalId
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    reason: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=2000)


class StartRollcall(CommandArgs):
    """清点人数: everyone assigned to the incident must confirm within the given minutes."""

    incident_id: str = IdField
    within_minutes: int = Field(default=10, ge=1, le=240)


class ConfirmRollcall(CommandArgs):
    """到位确认: answer a roll call, for oneself or (a duty officer) for someone else."""

    rollcall_id: str = IdField
    person_id: str | None = OptionalId
    place_id: str | None = OptionalId


class FlagOverdueRollcall(CommandArgs):
    """（定时）清点超时: the console records who has not confirmed once the roll call's minutes pass."""

    rollcall_id: str = IdField


# --- events ---


@event_type("org.imported")
class OrganisationImported(EventPayload):
    """A whole file of units, people, places or shifts, accepted as one."""

    table: Table
    units: list[Unit] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    shifts: list[Shift] = Field(default_factory=list)


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
