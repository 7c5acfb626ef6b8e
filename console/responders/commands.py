"""The responders commands' arguments: imports, places, roster changes, dispatch, moves, roll calls."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from playbooks.facts import PlaceType
from responders.io import Format
from responders.roster import ChangeKind
from responders.status import Move

from ..commands import CommandArgs

IdField = Field(min_length=1, max_length=64)


OptionalId = Field(default=None, min_length=1, max_length=64)


# `policies`: the organisation's own escalation policies (alerts.policy_io, YAML only).
Table = Literal["units", "people", "places", "shifts", "policies"]


# Moves a responder (or a duty officer on their behalf) reports; dispatching has its own command.
REPORTED_MOVES = tuple(m for m in Move if m is not Move.DISPATCH)


class ImportOrganisation(CommandArgs):
    """导入组织架构、人员、地点、值班表 (CSV/YAML) 或通知策略 (YAML); all rows or none."""

    table: Table
    format: Format = Format.CSV
    text: str = Field(min_length=1, max_length=200_000)


class AddPlace(CommandArgs):
    """新增地点: a named place added on the fly (from a tablet)."""

    name: str = Field(min_length=1, max_length=200)
    unit_id: str | None = OptionalId
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    place_type: PlaceType = PlaceType.OTHER  # 地点类型, as the register form offers it


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
