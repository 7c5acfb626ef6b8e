"""Typed events and their one encoding. Domains register their event types here."""

from __future__ import annotations

import json
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

    @classmethod
    def public_data(cls, data: dict[str, Any]) -> dict[str, Any]:
        """What clients are sent of this payload; sealed events override it to leave values out."""
        return data


EVENT_TYPES: dict[str, type[EventPayload]] = {}

E = TypeVar("E", bound=type[EventPayload])


def event_type(name: str) -> Any:
    """Class decorator: register an event payload under its stable name."""

    def register(cls: E) -> E:
        if name in EVENT_TYPES and EVENT_TYPES[name] is not cls:
            raise ValueError(f"event type {name} registered twice")
        cls.event_type = name
        EVENT_TYPES[name] = cls
        return cls

    return register


def canonical_json(value: object) -> str:
    """The one JSON text used for payloads and hashes: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def decode_payload(type_name: str, text: str) -> EventPayload:
    return EVENT_TYPES[type_name].model_validate_json(text)


# Who may see an event: "all" is every signed-in role, "audit" reviewers and admins
# (console.permissions.visible_classes).
VISIBILITY_ALL = "all"
VISIBILITY_AUDIT = "audit"


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

    @cached_property
    def payload(self) -> EventPayload:
        return decode_payload(self.type, self.payload_json)

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

    def wire(self) -> dict[str, Any]:
        """The protocol form of the event (docs/protocol.md, "event")."""
        return {
            "type": "event",
            "position": self.position,
            "stream": self.stream,
            "event": self.type,
            "actor": {"id": self.actor_id, "name": self.actor_name},
            "command_id": self.command_id,
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at,
            "data": EVENT_TYPES[self.type].public_data(self.data),
        }


def instant(dt: datetime) -> str:
    return utc_iso(dt)
