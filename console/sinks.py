"""Where a connection's frames go: straight onto the socket when it has room, else through ASGI.

The fan-out writes a frame to every writable connection without awaiting any of them, as
`websockets.broadcast()` does; only a connection whose socket is full gets a queue and a drain task.
Writing directly needs the server's sans-I/O protocol object (uvicorn's `websockets-sansio`
implementation); any other server gets the plain ASGI path, which is correct but slower.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol


class Frame:
    """One serialised message, shared by every connection of a view; encoded to bytes at most once."""

    __slots__ = ("_data", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._data: bytes | None = None

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = self.text.encode()
        return self._data


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
        p = self._p
        if not (p.writable.is_set() and self._open()):
            return False
        p.conn.send_text(frame.data)
        p.transport.write(b"".join(p.conn.data_to_send()))
        return True

    def try_write_many(self, frames: Sequence[Frame]) -> bool:
        # The events of one commit leave in one write (one system call per connection, not one per event).
        p = self._p
        if not (p.writable.is_set() and self._open()):
            return False
        for frame in frames:
            p.conn.send_text(frame.data)
        p.transport.write(b"".join(p.conn.data_to_send()))
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
