"""The targets' event (年度目标): what the admin form and the import record, in one stream."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from review.figures import FigureKey

from ..events import EventPayload, event_type

TARGETS_STREAM = "review-targets"


class TargetValue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    unit_id: str
    figure: FigureKey
    value: float  # a rate in percent, a count, or minutes


@event_type("review.targets_set")
class TargetsSet(EventPayload):
    """The year's targets of these units from now on (replacing what those units had for the year)."""

    year: int
    unit_ids: list[str]
    targets: list[TargetValue]


EVENTS: tuple[type[EventPayload], ...] = (TargetsSet,)
