"""The pure decisions on targets (年度目标): checked against the organisation's units, then one event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from review import figures_import
from review.figures import TARGETED

from ..commands import Context, Decision
from ..errors import InvalidInput, NotFound
from ..events import NewEvent
from ..responders.errors import ImportRejected
from .figures_commands import ImportTargets, SetTargets
from .figures_events import TARGETS_STREAM, TargetsSet, TargetValue


@dataclass(frozen=True)
class TargetsState:
    """The organisation's units: by id and by name (an imported sheet may name them either way)."""

    units: Mapping[str, str]  # id or name -> id


def decide_set_targets(state: TargetsState, args: SetTargets, _ctx: Context) -> Decision:
    if args.unit_id not in state.units.values():
        raise NotFound("unit_not_found")
    targets: list[TargetValue] = []
    for figure, value in sorted(args.targets.items()):
        if value is None:
            continue
        if figure not in TARGETED:
            raise InvalidInput("target_not_settable", detail=figure.value)
        if figures_import.check_value(figure, value) is not None:
            raise InvalidInput("target_value_invalid", detail=figure.value)
        targets.append(TargetValue(unit_id=args.unit_id, figure=figure, value=value))
    payload = TargetsSet(year=args.year, unit_ids=[args.unit_id], targets=targets)
    return Decision(
        events=[NewEvent(stream=TARGETS_STREAM, payload=payload)], result={"targets": len(targets)}
    )


def decide_import_targets(state: TargetsState, args: ImportTargets, _ctx: Context) -> Decision:
    """All rows or none: each year's targets of the units the sheet names are replaced by its rows."""
    rows, errors = figures_import.parse(args.text, state.units)
    if errors:
        raise ImportRejected(errors)
    events: list[NewEvent] = []
    for year in sorted({r.year for r in rows}):
        mine = [r for r in rows if r.year == year]
        payload = TargetsSet(
            year=year,
            unit_ids=sorted({r.unit_id for r in mine}),
            targets=[TargetValue(unit_id=r.unit_id, figure=r.figure, value=r.value) for r in mine],
        )
        events.append(NewEvent(stream=TARGETS_STREAM, payload=payload))
    return Decision(events=events, result={"rows": len(rows)})
