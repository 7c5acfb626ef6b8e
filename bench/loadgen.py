"""A load-generator process: many WebSocket clients on one event loop, recording when each event arrives.

Started by bench/fanout.py through multiprocessing (one loop per process). Talks to the parent over a
Pipe: it connects its clients and says ("ready", info); on ("finish", last_position, timeout) it waits until
every client has that position (or the timeout passes), then answers ("done", stats) and closes them.

The clients are a lean RFC 6455 implementation on an asyncio Protocol (with permessage-deflate, as
browsers offer it): a general-purpose client library costs tens of microseconds per message, which at
1,000 clients × every event would make the load generator, not the server, what is measured.

Timestamps are time.monotonic(): CLOCK_MONOTONIC is one clock for the whole machine on Linux, so the
parent can compare them with the times its driver recorded.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import time
import zlib
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, cast
from urllib.parse import urlsplit

from .common import die_with_parent, raise_nofile, run_async

EVENT_PREFIX = '{"type":"event","position":'
PING_PREFIX = '{"type":"ping"'
HELLO = json.dumps({"type": "hello", "epoch": None, "position": None})
PONG = '{"type":"pong"}'

_EVENT = EVENT_PREFIX.encode()
_PING = PING_PREFIX.encode()
_ERROR = b'{"type":"error"'
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TAIL = b"\x00\x00\xff\xff"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


@dataclass
class Config:
    url: str
    cookies: list[str]  # Cookie header values, used round robin (empty: none)
    count: int
    first_index: int = 0
    connect_concurrency: int = 64
    connect_timeout: float = 60.0
    compression: str | None = "deflate"


@dataclass
class Tally:
    """What one process's clients saw, merged per position."""

    last_time: dict[int, float] = field(default_factory=dict)  # position -> latest arrival
    copies: dict[int, int] = field(default_factory=dict)  # position -> clients that got it
    event_bytes: int = 0
    event_frames: int = 0


def client_frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked client frame (clients must mask, RFC 6455 §5.3)."""
    n = len(payload)
    if n < 126:
        header = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        header = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    mask = os.urandom(4)
    key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    body = (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big") if n else b""
    return header + mask + body


class WsClient(asyncio.Protocol):
    """One connection: handshake, frame parsing, inflating, and the position bookkeeping."""

    def __init__(self, index: int, cfg: Config, tally: Tally) -> None:
        self.index = index
        self.cfg = cfg
        self.tally = tally
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.upgraded = False
        self.key = base64.b64encode(os.urandom(16))
        self.inflater: Any = None
        self.reset_inflater = False
        self.fragments: list[bytes] = []
        self.compressed = False
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.live = asyncio.Event()
        self.gone = asyncio.Event()
        self.start: int | None = None  # position the server said it goes live from
        self.last = 0
        self.gaps = 0
        self.dups = 0
        self.errors = 0
        self.close_code: int | None = None
        self.failed: str | None = None

    # --- asyncio.Protocol ---

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        url = urlsplit(self.cfg.url)
        lines = [
            f"GET {url.path or '/'} HTTP/1.1",
            f"Host: {url.netloc}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self.key.decode()}",
            "Sec-WebSocket-Version: 13",
        ]
        if self.cfg.compression == "deflate":
            lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
        if self.cfg.cookies:
            lines.append(f"Cookie: {self.cfg.cookies[self.index % len(self.cfg.cookies)]}")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"lost during handshake: {exc!r}"))
        self.gone.set()
        self.live.set()

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buf = self.buf
        buf += data
        if not self.upgraded and not self._handshake():
            return
        i, n = 0, len(buf)
        while n - i >= 2:
            b0, b1 = buf[i], buf[i + 1]
            length, off = b1 & 0x7F, i + 2
            if length == 126:
                if n - i < 4:
                    break
                length, off = int.from_bytes(buf[i + 2 : i + 4], "big"), i + 4
            elif length == 127:
                if n - i < 10:
                    break
                length, off = int.from_bytes(buf[i + 2 : i + 10], "big"), i + 10
            if b1 & 0x80:
                off += 4  # servers never mask; skip a mask key if one ever came
            if n - off < length:
                break
            payload = bytes(buf[off : off + length])
            i = off + length
            self._frame(b0 & 0x80, b0 & 0x40, b0 & 0x0F, payload, now)
        if i:
            del buf[:i]

    # --- WebSocket ---

    def _handshake(self) -> bool:
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        del self.buf[: end + 4]
        status = head[0].split(" ", 2)
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        accept = base64.b64encode(hashlib.sha1(self.key + _GUID).digest()).decode()
        if len(status) < 2 or status[1] != "101" or headers.get("sec-websocket-accept") != accept:
            self.opened.set_exception(ConnectionError(f"handshake refused: {head[0]}"))
            assert self.transport is not None
            self.transport.close()
            return False
        extensions = headers.get("sec-websocket-extensions", "")
        if "permessage-deflate" in extensions:
            self.inflater = zlib.decompressobj(wbits=-15)
            self.reset_inflater = "server_no_context_takeover" in extensions
        self.upgraded = True
        self.opened.set_result(None)
        return True

    def _frame(self, fin: int, rsv1: int, opcode: int, payload: bytes, now: float) -> None:
        if opcode in (OP_TEXT, OP_BINARY, OP_CONT):
            if opcode != OP_CONT:
                self.compressed = bool(rsv1)
            if not fin:
                self.fragments.append(payload)
                return
            if self.fragments:
                payload = b"".join([*self.fragments, payload])
                self.fragments = []
            if self.compressed:
                payload = self.inflater.decompress(payload + _TAIL)
                if self.reset_inflater:
                    self.inflater = zlib.decompressobj(wbits=-15)
            self._message(payload, now)
        elif opcode == OP_PING:
            self._send(OP_PONG, payload)
        elif opcode == OP_CLOSE:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self._send(OP_CLOSE, payload[:2])
            assert self.transport is not None
            self.transport.close()

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(opcode, payload))

    def send_text(self, text: str) -> None:
        self._send(OP_TEXT, text.encode())

    def _message(self, data: bytes, now: float) -> None:
        if data.startswith(_EVENT):
            tally = self.tally
            n = len(_EVENT)
            pos = int(data[n : data.index(b",", n)])
            tally.event_bytes += len(data)
            tally.event_frames += 1
            if self.start is None:
                self.errors += 1  # an event before "live": the protocol says it cannot happen
                return
            if pos <= self.last:
                self.dups += 1  # seen already, or out of order
                return
            if pos != self.last + 1:
                self.gaps += pos - self.last - 1
            self.last = pos
            tally.copies[pos] = tally.copies.get(pos, 0) + 1
            if now > tally.last_time.get(pos, 0.0):
                tally.last_time[pos] = now
        elif data.startswith(_PING):
            self.send_text(PONG)
        elif data.startswith(_ERROR):
            self.errors += 1
            if self.start is None:
                self.failed = data[:200].decode("utf-8", "replace")
        elif self.start is None:
            frame = json.loads(data)
            if frame.get("type") == "live":
                self.start = self.last = int(frame["position"])
                self.live.set()

    async def run(self, gate: asyncio.Semaphore) -> None:
        url = urlsplit(self.cfg.url)
        loop = asyncio.get_running_loop()
        async with gate:
            try:
                async with asyncio.timeout(self.cfg.connect_timeout):
                    await loop.create_connection(lambda: self, url.hostname or "127.0.0.1", url.port or 80)
                    await self.opened
                    self.send_text(HELLO)
                    await self.live.wait()
            except Exception as exc:
                self.failed = self.failed or f"{type(exc).__name__}: {exc}"[:200]
                self.live.set()
                self.close()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self._send(OP_CLOSE, (1000).to_bytes(2, "big"))
            self.transport.close()


async def receive(pipe: Connection, limit_s: float | None = None) -> Any:
    loop = asyncio.get_running_loop()

    def get() -> Any:
        if pipe.poll(limit_s):
            return pipe.recv()
        raise TimeoutError("no answer on the pipe")

    return await loop.run_in_executor(None, get)


async def main(pipe: Connection, cfg: Config) -> None:
    tally = Tally()
    clients = [WsClient(cfg.first_index + i, cfg, tally) for i in range(cfg.count)]
    gate = asyncio.Semaphore(cfg.connect_concurrency)
    started = time.monotonic()
    try:
        await asyncio.gather(*(c.run(gate) for c in clients))
        connected = [c for c in clients if c.start is not None and not c.gone.is_set()]
        failures = [c.failed or f"closed {c.close_code}" for c in clients if c not in connected]
        ready = {
            "connected": len(connected),
            "failed": len(failures),
            "failure": failures[0] if failures else None,
            "seconds": time.monotonic() - started,
        }
        pipe.send(("ready", ready))
        message = await receive(pipe)
        if message[0] != "finish":
            return
        _, final, timeout = message
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(c.last >= final or c.gone.is_set() for c in connected):
                break
            await asyncio.sleep(0.05)
        for c in connected:
            if c.last < final:
                c.gaps += final - c.last  # never arrived
        closed = [c for c in connected if c.gone.is_set()]
        stats = {
            "connected": len(connected),
            "gaps": sum(c.gaps for c in connected),
            "dups": sum(c.dups for c in connected),
            "clients_with_gaps": sum(1 for c in connected if c.gaps),
            "clients_with_dups": sum(1 for c in connected if c.dups),
            "closed": len(closed),
            "close_codes": sorted({c.close_code for c in closed}, key=str),
            "errors": sum(c.errors for c in connected),
            "last_time": tally.last_time,
            "copies": tally.copies,
            "event_bytes": tally.event_bytes,
            "event_frames": tally.event_frames,
        }
        pipe.send(("done", stats))
    finally:
        for c in clients:
            c.close()
        await asyncio.sleep(0.2)  # let the close frames go out


def worker(pipe: Connection, cfg: Config) -> None:
    """multiprocessing target: one event loop (uvloop when installed) for `cfg.count` clients."""
    die_with_parent()
    raise_nofile()
    try:
        run_async(main(pipe, cfg))
    except KeyboardInterrupt:
        pass
    except Exception as exc:
        with contextlib.suppress(Exception):
            pipe.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        pipe.close()
