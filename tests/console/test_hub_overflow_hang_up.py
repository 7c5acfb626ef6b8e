"""A connection whose queue overflowed is not reading: after its 4409 close frame is written the server
ends the TCP connection at once instead of waiting for a close reply (the WebSocket layer would wait 10 s),
and drops a socket still open after the grace; so is a peer silent past the heartbeat (4408). Other closes
keep the ordinary closing handshake."""

from __future__ import annotations

import asyncio

from support import eventually
from test_spine_hub_batches import Socket, event

from console.hub import CLOSE_GRACE, Connection, Hub
from console.protocol import CLOSE_DEAD_PEER, CLOSE_OVERFLOW
from console.web.app import _hang_up


class Ends:
    """The close, abort and hang-up a connection is given, recording what it was asked to do."""

    def __init__(self, close_fails: bool = False) -> None:
        self.close_fails = close_fails
        self.closes: list[tuple[int, str]] = []
        self.aborts = 0
        self.hang_ups: list[float] = []

    async def close(self, code: int, reason: str) -> None:
        self.closes.append((code, reason))
        if self.close_fails:
            raise ConnectionError("the close frame could not be written")

    def abort(self) -> None:
        self.aborts += 1

    def hang_up(self, grace: float) -> None:
        self.hang_ups.append(grace)


def stalled(hub: Hub, ends: Ends) -> Connection:
    socket = Socket()
    socket.room = False
    socket.opened.clear()  # the drain task waits for room that never comes
    conn = Connection(
        socket, ends.close, view="staff", user_id="u", limit=3, abort=ends.abort, hang_up=ends.hang_up
    )
    hub.attach(conn)
    conn.start()
    return conn


async def test_an_overflowed_connection_is_hung_up_after_its_close_frame() -> None:
    hub = Hub(lambda _e, _c: {})
    ends = Ends()
    stalled(hub, ends)
    for position in range(1, 6):
        hub.publish([event(position)])
    await closed()
    assert ends.closes == [(CLOSE_OVERFLOW, "overflow")]
    assert ends.hang_ups == [CLOSE_GRACE] and ends.aborts == 0


async def test_a_close_frame_that_cannot_be_written_aborts_instead() -> None:
    hub = Hub(lambda _e, _c: {})
    ends = Ends(close_fails=True)
    stalled(hub, ends)
    for position in range(1, 6):
        hub.publish([event(position)])
    await closed()
    assert ends.closes == [(CLOSE_OVERFLOW, "overflow")] and ends.hang_ups == [] and ends.aborts == 1


async def closed() -> None:
    """Until every connection's close task has finished."""
    shuts = [
        t for t in asyncio.all_tasks() if getattr(t.get_coro(), "__qualname__", "") == "Connection._shut"
    ]
    assert shuts
    await asyncio.wait(shuts)


async def test_other_closes_wait_for_the_peer_as_before() -> None:
    hub = Hub(lambda _e, _c: {})
    ends = Ends()
    stalled(hub, ends).close_soon(CLOSE_OVERFLOW, "resync")  # a live client told to take a snapshot
    await closed()
    assert ends.closes == [(CLOSE_OVERFLOW, "resync")] and ends.hang_ups == [] and ends.aborts == 0


async def test_a_peer_silent_past_the_heartbeat_is_hung_up_after_its_close_frame() -> None:
    hub = Hub(lambda _e, _c: {})
    ends = Ends()
    conn = stalled(hub, ends)
    conn.last_seen -= 60
    hub.ping(timeout=30, now=0)
    await closed()
    assert ends.closes == [(CLOSE_DEAD_PEER, "no heartbeat")]
    assert ends.hang_ups == [CLOSE_GRACE] and ends.aborts == 0


class Transport:
    def __init__(self) -> None:
        self.closed = self.aborted = False

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True


class Protocol:
    disconnected = False


async def test_hang_up_closes_then_aborts_a_socket_still_open_after_the_grace() -> None:
    stuck, stuck_transport = Protocol(), Transport()
    gone, gone_transport = Protocol(), Transport()
    _hang_up(gone, gone_transport)(0.01)  # type: ignore[arg-type]
    _hang_up(stuck, stuck_transport)(0.05)  # type: ignore[arg-type]
    assert stuck_transport.closed and gone_transport.closed
    assert not stuck_transport.aborted  # not before the grace
    gone.disconnected = True  # its last frames left and the connection ended
    await eventually(lambda: stuck_transport.aborted, what="the abort after the grace")
    assert not gone_transport.aborted  # its shorter grace ended first, and found it gone
