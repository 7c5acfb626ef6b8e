"""Typed commands: the envelope every client sends, and the spec a domain declares for each command."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from .clock import plausible
from .events import NewEvent

if TYPE_CHECKING:
    from .settings import Settings

COMMAND_ID_PATTERN = r"^[A-Za-z0-9_.:-]{8,64}$"

# A time given by a client: with a zone, and within the years anyone could mean (no overflow later).
Instant = Annotated[AwareDatetime, AfterValidator(plausible)]


class CommandEnvelope(BaseModel):
    """What a client sends: a client-generated id (the idempotency key), a name and its arguments."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=COMMAND_ID_PATTERN, description="Client-generated id; repeating it is safe.")
    name: str = Field(min_length=1, max_length=100)
    args: dict[str, Any] = Field(default_factory=dict)
    occurred_at: Instant | None = Field(
        default=None, description="When the user did it, if earlier than now (an offline tablet's queue)."
    )


class CommandArgs(BaseModel):
    """Base of every command's arguments: frozen and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user or an integration's token."""

    id: str
    name: str
    roles: frozenset[str]


SYSTEM_ACTOR = Actor(id="system", name="系统", roles=frozenset({"system"}))


@dataclass(frozen=True)
class Context:
    """Everything a pure decision may know besides its state and arguments."""

    now: datetime
    occurred_at: datetime
    actor: Actor
    new_id: str
    # The process's settings; a domain reads its own part of them (the runs domain its thresholds).
    settings: Settings

    @property
    def tz(self) -> tzinfo:
        return self.settings.tz


@dataclass(frozen=True)
class Decision:
    """What a domain decided: the events to append and the result to return to the client."""

    events: list[NewEvent]
    result: Mapping[str, str | int | None] = field(default_factory=dict)


A = TypeVar("A", bound=CommandArgs)
S = TypeVar("S")


@dataclass(frozen=True)
class CommandSpec(Generic[A, S]):
    """One command: its arguments, who may send it, how to load its state, and its pure decision."""

    name: str
    args: type[A]
    permission: str
    load: Callable[[Connection, A, Context], S]
    decide: Callable[[S, A, Context], Decision]
    summary: str = ""
    # Internal commands are issued by the console itself (e.g. logging a reveal), never by clients.
    internal: bool = False
