"""The loop every domain's timer runs in: who timers act as, and a look again whenever the log moved
on or a deadline came (console.runs.timer, console.responders.timer).

Timers never keep state the log does not: what they fire is an internal command with an id derived from
what fell due, so every process may look and each thing still happens once (idempotency by command id).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from .clock import Clock
from .commands import Actor
from .db import Database
from .hub import Hub
from .roles import Role
from .settings import Settings

if TYPE_CHECKING:
    from .service import CommandService

log = logging.getLogger("console.timers")


class TimerHost(Protocol):
    """What a domain's timer is given by the process it runs in (console.runtime.Runtime)."""

    @property
    def db(self) -> Database: ...
    @property
    def service(self) -> CommandService: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def hub(self) -> Hub: ...
    @property
    def settings(self) -> Settings: ...


# The console itself acts as the duty desk when it reminds, escalates and flags.
TIMER_ACTOR = Actor(id="system", name="系统", roles=frozenset({Role.DUTY_OFFICER.value}))
# State changes only through events, which the hub publishes in every process; looking at the hub's
# position this often costs nothing and bounds how late a new deadline is noticed.
LOOK_SECONDS = 1.0


def movable(clock: Clock) -> bool:
    """True when time may jump (a clock file is set, in tests and drills): timers then look every time."""
    return bool(getattr(clock, "movable", False))


async def look_when_due(
    hub: Hub,
    *,
    name: str,
    tick: Callable[[], Awaitable[None]],
    due: Callable[[], bool],
    pause: Callable[[], float] = lambda: LOOK_SECONDS,
    reset: Callable[[], None] | None = None,
) -> None:
    """Run `tick` whenever the hub published something new or `due()` says a deadline came, forever.

    A failed look is logged and the next one starts from scratch (`reset`) rather than trust a half-done
    one; the loop itself only ends when its task is cancelled.
    """
    seen = -1
    while True:
        try:
            if hub.published != seen or due():
                seen = hub.published
                await tick()
        except Exception:
            log.exception("timer_tick_failed", extra={"timer": name})
            seen = -1
            if reset is not None:
                reset()
        await asyncio.sleep(pause())
