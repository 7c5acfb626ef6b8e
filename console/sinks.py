"""Where a connection's frames go: straight onto the socket when it has room, else through ASGI.

The fan-out writes a frame to every writable connection without awaiting any of them, as
`websockets.broadcast()` does; only a connection whose socket is full gets a queue and a drain task.
Writing directly needs the server's sans-I/O protocol object (uvicorn's `websockets-sansio`
implementation); any other server gets the plain ASGI path, which is correct but slower.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from websockets.frames import Frame as WireFrame
from websockets.frames import Opcode
from websockets.protocol import OPEN, SERVER


class Frame:
    """One serialised message, shared by every connection of a view, framed for the wire at most once.

    Once framed, the frame keeps only its wire bytes (its text and encoded payload are read back from
    them when asked): the hub keeps thousands of frames for replay, and a snapshot frame per client."""

    __slots__ = ("_text", "_wire")

    def __init__(self, text: str) -> None:
        self._text: str | None = text
        self._wire: bytes | None = None

    @property
    def wire(self) -> bytes:
        """The WebSocket text frame a server sends of it on a connection without extensions: the bytes
        `send_text` would write there (a server's frames are not masked), the same for every such
        connection."""
        if self._wire is None:
            assert self._text is not None
            self._wire = WireFrame(Opcode.TEXT, self._text.encode()).serialize(mask=False)
            self._text = None
        return self._wire

    @property
    def data(self) -> bytes:
        """The UTF-8 payload (for a connection whose protocol frames it itself: compression)."""
        wire = self.wire
        size = wire[1] & 0x7F  # an unmasked frame: 2 header bytes, then 2 or 8 more for longer payloads
        return wire[2 + (2 if size == 126 else 8 if size == 127 else 0) :]

    @property
    def text(self) -> str:
        return self._text if self._text is not None else self.data.decode()


class Sink(Protocol):
    def try_write(self, frame: Frame) -> bool:
        """Write now if the socket has room; False if the caller must queue the frame."""

    def try_write_many(self, frames: Sequence[Frame]) -> bool:
        """Write several frames now, in order and all or none; False if the caller must queue them."""

    async def write(self, frame: Frame) -> None:
        """Write, waiting for room."""


class AsgiSink:
    """Frames through the ASGI `websocket.send` message."""

    def __init__(self, send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        self._send = send

    def try_write(self, frame: Frame) -> bool:
        return False

    def try_write_many(self, frames: Sequence[Frame]) -> bool:
        return False

    async def write(self, frame: Frame) -> None:
        await self._send({"type": "websocket.send", "text": frame.text})


class DirectSink:
    """Frames written by the server's own sans-I/O protocol, without a round trip through ASGI."""

    REQUIRED = ("conn", "transport", "writable", "disconnected", "close_sent", "handshake_complete")

    def __init__(self, protocol: Any) -> None:
        self._p = protocol

    @classmethod
    def fits(cls, protocol: Any) -> bool:
        return protocol is not None and all(hasattr(protocol, name) for name in cls.REQUIRED)

    def _open(self) -> bool:
        p = self._p
        return bool(p.handshake_complete and not p.disconnected and not p.close_sent)

    def try_write(self, frame: Frame) -> bool:
        return self.try_write_many((frame,))

    def try_write_many(self, frames: Sequence[Frame]) -> bool:
        # The events of one commit leave in one write (one system call per connection, not one per event).
        p = self._p
        if not (p.writable.is_set() and self._open()):
            return False
        conn = p.conn
        if (
            conn.extensions
            or conn.debug
            or conn.side is not SERVER
            or conn.state is not OPEN
            or conn.expect_continuation_frame
        ):
            # Compressed, logged, or not plainly open: the protocol frames each (and refuses what it must).
            for frame in frames:
                conn.send_text(frame.data)
            p.transport.write(b"".join(conn.data_to_send()))
            return True
        # Every connection of a view is sent the same bytes: framed once per frame, not once per connection
        # (after whatever the protocol itself has waiting, in order).
        p.transport.write(b"".join([*conn.data_to_send(), *(frame.wire for frame in frames)]))
        return True

    async def write(self, frame: Frame) -> None:
        await self._p.writable.wait()
        if not self.try_write(frame):
            raise ConnectionError("connection closed")


def sink_for(scope: Mapping[str, Any], fallback: Callable[[dict[str, Any]], Awaitable[None]]) -> Sink:
    """The fastest correct sink for this connection."""
    protocol = scope.get("console.protocol")
    if DirectSink.fits(protocol):
        return DirectSink(protocol)
    return AsgiSink(scope.get("console.send") or fallback)


def release_handshake(scope: Mapping[str, Any]) -> None:
    """Drop what the server keeps of an accepted handshake (its request and response, with their headers):
    a thousand idle connections each hold them for nothing once the socket is open."""
    protocol: Any = scope.get("console.protocol")
    if DirectSink.fits(protocol) and protocol.handshake_complete and hasattr(protocol, "response"):
        protocol.request = None
        protocol.response = None
