"""督查范围 in the hub: connections limited to units share a key per (view, units); each event is still
rendered once per visibility view (never per client, never per limited key); a limited view skips the
positions of other units; an event whose unit was never noted, or one that moves incidents between
units, sends the limited views to resync and nothing after it in that publish reaches them."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from support import eventually
from test_spine_hub_batches import Socket, event

from console.events import UNIT_ATTR, RecordedEvent
from console.hub import Connection, Hub


def noted(position: int, unit: str | None, incident: str = "x") -> RecordedEvent:
    e: RecordedEvent = replace(event(position), stream=f"incident-{incident}")
    e.__dict__[UNIT_ATTR] = unit
    return e


class Closes:
    def __init__(self) -> None:
        self.codes: list[int] = []

    async def __call__(self, code: int, _reason: str) -> None:
        self.codes.append(code)


def attach(hub: Hub, units: frozenset[str] | None, view: str = "staff") -> tuple[Socket, Closes]:
    socket, closes = Socket(), Closes()
    conn = Connection(socket, closes, view=view, user_id="u", limit=100, units=units)
    hub.attach(conn)
    conn.start()
    return socket, closes


async def test_limited_views_share_the_frames_of_their_view_and_skip_other_units() -> None:
    rendered: Counter[int] = Counter()

    def public_data(e: RecordedEvent, _classes: frozenset[str]) -> dict[str, Any]:
        rendered[e.position] += 1
        return {}

    hub = Hub(public_data)
    desk, _ = attach(hub, None)
    town = [attach(hub, frozenset({"town"}))[0] for _ in range(3)]
    office, _ = attach(hub, frozenset({"office"}))
    assert len(hub.views) == 3 and hub.limited
    assert hub.publish([noted(1, "town"), noted(2, "office"), noted(3, None)])
    assert desk.positions() == [[1, 2, 3]]
    for s in town:
        assert s.positions() == [[1, 3]]
    assert office.positions() == [[2, 3]]
    # One view ("staff"): each event serialised once, whatever the number of clients and limited keys.
    assert rendered == {1: 1, 2: 1, 3: 1}
    recent = hub.recent(0, "staff", units=frozenset({"town"}))
    assert recent is not None and [p for p, _ in recent] == [1, 3]


async def test_an_event_of_unknown_unit_resyncs_the_limited_views_only() -> None:
    hub = Hub(lambda _e, _c: {})
    desk, desk_closes = attach(hub, None)
    town, town_closes = attach(hub, frozenset({"town"}))
    assert hub.publish([noted(1, "town"), event(2), noted(3, "town")])
    await eventually(lambda: town_closes.codes, what="the resync")  # the close runs as a task of its own
    assert desk.positions() == [[1, 2, 3]] and desk_closes.codes == []
    # Nothing from the unknown event on: the resume replays it from the log.
    assert town.positions() == [[1]] and town_closes.codes == [4409]
    assert hub.recent(0, "staff", units=frozenset({"town"})) is None  # memory cannot tell: read the log


async def test_an_event_that_moves_incidents_resyncs_the_limited_views() -> None:
    moved = {3}
    hub = Hub(lambda _e, _c: {}, rescopes=lambda e: e.position in moved)
    desk, _ = attach(hub, None)
    town, town_closes = attach(hub, frozenset({"town"}))
    assert hub.publish([noted(1, "town"), noted(2, "town"), noted(3, "town"), noted(4, "town")])
    await eventually(lambda: town_closes.codes, what="the resync")
    assert desk.positions() == [[1, 2, 3, 4]]
    assert town.positions() == [[1, 2]] and town_closes.codes == [4409]


def test_without_limited_connections_the_hub_notes_no_units() -> None:
    hub = Hub(lambda _e, _c: {})
    assert not hub.limited
    socket = Socket()
    conn = Connection(socket, Closes(), view="staff", user_id="u", limit=10, units=frozenset({"town"}))
    hub.attach(conn)
    assert hub.limited
    hub.detach(conn)
    assert not hub.limited and not hub.scopes


async def test_an_event_no_limited_view_may_see_needs_no_unit() -> None:
    """An inspector's view ("staff") does not get the audit stream: a sender's attempt records need no
    unit read for it, reach the reviewers, and neither reach nor resync the inspector's connections."""
    hub = Hub(lambda _e, _c: {})
    audit = replace(event(2), visibility="audit")  # no unit noted, as the writer leaves it
    assert not hub.needs_unit(audit)  # nobody limited yet
    reviewer, _ = attach(hub, None, view="staff+audit")
    town, town_closes = attach(hub, frozenset({"town"}))
    assert not hub.needs_unit(audit) and hub.needs_unit(noted(1, "town"))
    assert hub.publish([noted(1, "town"), audit, noted(3, "town")])
    assert reviewer.positions() == [[1, 2, 3]]
    assert town.positions() == [[1, 3]] and town_closes.codes == []
    recent = hub.recent(0, "staff", units=frozenset({"town"}))
    assert recent is not None and [p for p, _ in recent] == [1, 3]
    # A limited view that does get the audit stream needs the records' units.
    attach(hub, frozenset({"town"}), view="staff+audit")
    assert hub.needs_unit(audit)
