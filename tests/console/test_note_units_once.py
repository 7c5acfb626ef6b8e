"""督查范围: a batch's events are given their unit with one read per incident they name, whichever stream
each is written to, and one per stream for events naming no incident (Registry.note_units)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, cast

from test_spine_hub_batches import event

from console.domains import DOMAINS
from console.events import UNIT_UNKNOWN, RecordedEvent, noted_unit
from console.registry import Registry


def _event(position: int, stream: str, data: dict[str, Any]) -> RecordedEvent:
    e: RecordedEvent = replace(event(position), stream=stream, payload_json=json.dumps(data))
    return e


def test_one_read_per_incident_and_per_stream_without_one() -> None:
    reg = Registry(DOMAINS)  # its own: the process's registry() is shared
    asked: list[tuple[str, str | None]] = []

    def unit_of(_conn: Any, event: RecordedEvent) -> str | None:
        named = event.data.get("incident_id")
        asked.append((event.stream, named))
        return f"unit-of-{named}" if named else None

    reg.unit_of = unit_of  # type: ignore[method-assign,assignment]
    batch = [
        _event(1, "incident-a", {"incident_id": "a"}),
        _event(2, "run-a", {"incident_id": "a"}),
        _event(3, "alerts-a", {"incident_id": "a"}),
        _event(4, "incident-b", {"incident_id": "b"}),
        _event(5, "org", {}),
        _event(6, "org", {}),
        _event(7, "roster", {}),
    ]
    reg.note_units(cast(Any, None), batch)
    assert asked == [("incident-a", "a"), ("incident-b", "b"), ("org", None), ("roster", None)]
    assert [noted_unit(e) for e in batch] == [
        "unit-of-a",
        "unit-of-a",
        "unit-of-a",
        "unit-of-b",
        None,
        None,
        None,
    ]


def test_events_no_limited_view_may_see_are_left_without_a_unit() -> None:
    reg = Registry(DOMAINS)
    asked: list[int] = []

    def unit_of(_conn: Any, event: RecordedEvent) -> str | None:
        asked.append(event.position)
        return "town"

    reg.unit_of = unit_of  # type: ignore[method-assign,assignment]
    batch = [_event(1, "incident-a", {"incident_id": "a"}), _event(2, "alerts-b", {"incident_id": "b"})]
    reg.note_units(cast(Any, None), batch, lambda e: e.position == 1)
    assert asked == [1]
    assert noted_unit(batch[0]) == "town" and noted_unit(batch[1]) is UNIT_UNKNOWN
