"""The targets' commands: one unit's year from the admin form, or a whole sheet imported (all or none)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from review.figures import FigureKey

from ..commands import CommandArgs

Year = Field(ge=2000, le=2999)


class SetTargets(CommandArgs):
    """设定年度目标: a unit's targets for a year; a figure left out (or null) has no target."""

    year: int = Year
    unit_id: str = Field(min_length=1, max_length=64)
    targets: dict[FigureKey, float | None] = Field(max_length=20)


class TargetsFormat(StrEnum):
    CSV = "csv"


class ImportTargets(CommandArgs):
    """导入年度目标: a CSV sheet (年度,单位,指标,目标值); any bad row refuses the whole sheet."""

    format: TargetsFormat = TargetsFormat.CSV
    text: str = Field(min_length=1, max_length=200_000)
