"""Rows of a decision table: what a pure `decide(state, args, ctx)` must emit, or the refusal it must raise.

A row is `case(name, state, args, expected)`; `expected` is `emits(...)` (the events, in order, with the
payload fields that matter, and the result) or `Refusal(kind, code)`. `check` runs one row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from console.commands import Context, Decision
from console.errors import ConsoleError
from console.events import EventPayload


def case(name: str, *values: object) -> Any:
    """One row of a table; its name is the test id."""
    return pytest.param(*values, id=name)


@dataclass(frozen=True)
class Event:
    """An event a decision appends: its stream, its payload type, and payload fields (dotted paths)."""

    stream: str
    type: type[EventPayload]
    fields: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Emits:
    events: tuple[Event, ...]
    result: Mapping[str, object]


def emits(*events: Event, **result: object) -> Emits:
    """The decision is accepted with these events and this result."""
    return Emits(events, result)


@dataclass(frozen=True)
class Refusal:
    """The decision refuses: the exact error class (it sets the HTTP status), its code, and a part of the
    English detail for refusals that carry one (the responders core's reason, or a count)."""

    kind: type[ConsoleError]
    code: str
    detail: str = ""


def _get(payload: object, path: str) -> object:
    value = payload
    for name in path.split("."):
        value = getattr(value, name)
    return value


def check(
    decide: Callable[[Any, Any, Context], Decision],
    state: object,
    args: object,
    ctx: Context,
    expected: Emits | Refusal,
) -> None:
    """Run one row: compare the events and result, or the refusal."""
    if isinstance(expected, Refusal):
        with pytest.raises(ConsoleError) as err:
            decide(state, args, ctx)
        assert type(err.value) is expected.kind, err.value
        assert err.value.code == expected.code
        detail = err.value.params.get("detail", "")
        if isinstance(detail, str):
            assert expected.detail in detail
        else:  # a count (import_rejected: how many row errors)
            assert str(detail) == expected.detail
        return
    decision = decide(state, args, ctx)
    assert [(e.stream, type(e.payload)) for e in decision.events] == [
        (e.stream, e.type) for e in expected.events
    ]
    for event, wanted in zip(decision.events, expected.events, strict=True):
        payload = event.payload
        assert {path: _get(payload, path) for path in wanted.fields} == dict(wanted.fields)
        # The log stores the JSON form and a rebuild reads it back: it must be the same event.
        assert type(payload).model_validate(payload.model_dump(mode="json")) == payload
    assert dict(decision.result) == dict(expected.result)
