"""A frame written straight onto a connection leaves as the bytes the WebSocket protocol itself would
write: framed once and shared by every connection, after whatever the protocol has waiting."""

from __future__ import annotations

import asyncio
from typing import Any

from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.protocol import State
from websockets.server import ServerProtocol

from console.sinks import DirectSink, Frame


class _Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)


class _Server:
    """What DirectSink reads of uvicorn's sans-I/O protocol object."""

    def __init__(self, conn: ServerProtocol) -> None:
        self.conn = conn
        self.transport = _Transport()
        self.writable = asyncio.Event()
        self.writable.set()
        self.disconnected = False
        self.close_sent = False
        self.handshake_complete = True


def _open(**kwargs: Any) -> ServerProtocol:
    conn = ServerProtocol(**kwargs)
    conn.state = State.OPEN
    return conn


def _as_protocol_writes(texts: list[str], **kwargs: Any) -> bytes:
    conn = _open(**kwargs)
    for text in texts:
        conn.send_text(text.encode())
    return b"".join(conn.data_to_send())


def test_frames_leave_as_the_protocol_would_write_them() -> None:
    texts = ["{}", "事件" * 40, "x" * 70_000]  # the three lengths a header can take
    server = _Server(_open())
    sink = DirectSink(server)
    assert DirectSink.fits(server)
    frames = [Frame(t) for t in texts]
    assert sink.try_write(frames[0])
    assert sink.try_write_many(frames[1:])
    assert b"".join(server.transport.written) == _as_protocol_writes(texts)
    # The same frame on another connection: the same bytes, framed once.
    other = _Server(_open())
    assert DirectSink(other).try_write_many(frames)
    assert other.transport.written == [_as_protocol_writes(texts)]


def test_what_the_protocol_has_waiting_leaves_first() -> None:
    conn = _open()
    conn.send_ping(b"hb")
    server = _Server(conn)
    assert DirectSink(server).try_write(Frame("after"))
    expected = _open()
    expected.send_ping(b"hb")
    expected.send_text(b"after")
    assert server.transport.written == [b"".join(expected.data_to_send())]
    assert conn.data_to_send() == []


def test_a_compressed_connection_is_framed_by_its_protocol() -> None:
    deflate = [PerMessageDeflate(False, False, 15, 15)]
    conn = _open()
    conn.extensions = list(deflate)
    server = _Server(conn)
    assert DirectSink(server).try_write(Frame("压缩" * 50))
    reference = _open()
    reference.extensions = [PerMessageDeflate(False, False, 15, 15)]
    reference.send_text(("压缩" * 50).encode())
    assert server.transport.written == [b"".join(reference.data_to_send())]
    assert server.transport.written[0] != Frame("压缩" * 50).wire


def test_a_full_or_closed_socket_is_not_written() -> None:
    server = _Server(_open())
    server.writable.clear()
    assert not DirectSink(server).try_write(Frame("wait"))
    server.writable.set()
    server.close_sent = True
    assert not DirectSink(server).try_write_many([Frame("gone")])
    assert server.transport.written == []


def test_a_framed_frame_keeps_only_its_wire_bytes_and_reads_back_its_text() -> None:
    """Past each length a WebSocket header grows (125, 126, 65535 bytes, more), the payload and the text
    read back from the wire bytes are what was framed, and once framed the text is not kept twice."""
    for size in (0, 1, 125, 126, 127, 65535, 65536, 70000):
        text = "长" * (size // 3) + "x" * (size % 3)  # 3 bytes a character in UTF-8
        frame = Frame(text)
        expected = ServerProtocol()
        expected.state = State.OPEN
        expected.send_text(text.encode())
        assert frame.wire == b"".join(expected.data_to_send()), size
        assert frame._text is None  # the hub keeps thousands of frames: one copy each
        assert (frame.data, frame.text) == (text.encode(), text), size
