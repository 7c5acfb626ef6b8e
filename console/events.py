"""Typed events and their one encoding. Domains declare their event types in their `Domain`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from .clock import utc_iso


class EventPayload(BaseModel):
    """Base of every event payload; `event_type` is the stable name stored in the log."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    event_type: ClassVar[str]
    # Fields holding a pinned document (a playbook, a policy book): frozen, large, and the same object in
    # many events. Sealing dumps and encodes each such object once (console.eventlog), not per event.
    pinned_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def public_data(cls, data: dict[str, Any], classes: frozenset[str]) -> dict[str, Any]:
        """What clients that may see these visibility classes are sent of this payload.

        Sealed events override it to leave values out, events with personal data to leave it out of
        views without the "personal" class.
        """
        return data


E = TypeVar("E", bound=type[EventPayload])


def event_type(name: str) -> Callable[[E], E]:
    """Class decorator: give an event payload its stable name (the domain's `Domain` lists the class)."""

    def name_it(cls: E) -> E:
        cls.event_type = name
        return cls

    return name_it


# `json.dumps` with these options makes an encoder for every call; one made once encodes alike.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: object) -> str:
    """The one JSON text used for payloads and hashes: sorted keys, no spaces, UTF-8 kept."""
    return _CANONICAL.encode(value)


# Who may see an event: "all" is every signed-in role, "audit" reviewers and admins
# (console.permissions.visible_classes). "personal" marks parts of payloads: staff's personal data,
# sent only to views holding the class (the desk that manages the organisation).
VISIBILITY_ALL = "all"
VISIBILITY_AUDIT = "audit"
VISIBILITY_PERSONAL = "personal"
# 督查范围: where an event's unit is attached once it is known (console.registry.Registry.note_units); the
# hub reads it to decide which views limited to units get the event. Held in memory only, never stored.
UNIT_ATTR = "scope_unit"
# An event whose unit was never read (noted when no limited view was connected).
UNIT_UNKNOWN = object()


def noted_unit(event: RecordedEvent) -> object:
    """The unit attached to the event: a unit id, None (about no unit), or UNIT_UNKNOWN."""
    return event.__dict__.get(UNIT_ATTR, UNIT_UNKNOWN)


@dataclass(frozen=True)
class NewEvent:
    """An event decided by a domain, not yet in the log."""

    stream: str
    payload: EventPayload
    visibility: str = VISIBILITY_ALL
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored in the log, with its position and place in the hash chain."""

    position: int
    stream: str
    type: str
    actor_id: str
    actor_name: str
    occurred_at: str
    recorded_at: str
    visibility: str
    command_id: str | None
    payload_json: str
    prev_hash: str
    hash: str

    @property
    def payload(self) -> EventPayload:
        """The typed payload, attached by the writer when sealing or by `Registry.decode` when read."""
        try:
            payload: EventPayload = self.__dict__["payload"]
        except KeyError:
            raise LookupError(f"event {self.position} ({self.type}) has not been decoded") from None
        return payload

    @cached_property
    def data(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.payload_json)
        return loaded

    def hash_material(self) -> str:
        """What the hash covers: every stored field but the hash itself."""
        return canonical_json(
            [
                self.position,
                self.stream,
                self.type,
                self.actor_id,
                self.actor_name,
                self.occurred_at,
                self.recorded_at,
                self.visibility,
                self.command_id,
                self.payload_json,
                self.prev_hash,
            ]
        )

    def wire(self, public_data: dict[str, Any]) -> dict[str, Any]:
        """The protocol form of the event (docs/protocol.md, "event"), with what clients see of its data."""
        return {
            "type": "event",
            "position": self.position,
            "stream": self.stream,
            "event": self.type,
            "actor": {"id": self.actor_id, "name": self.actor_name},
            "command_id": self.command_id,
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at,
            "data": public_data,
        }


def instant(dt: datetime) -> str:
    return utc_iso(dt)
