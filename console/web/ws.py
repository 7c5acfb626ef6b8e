"""The WebSocket endpoint /ws: hello → resume (replay or snapshot) → live events and commands.

Handlers stay thin: the hub fans out, the service decides and writes, this module only speaks the
protocol of docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from websockets.exceptions import ConnectionClosed

from .. import eventlog
from ..errors import ConsoleError, InvalidInput, parse_json
from ..events import RecordedEvent
from ..hub import Connection, about, admitted, dumps
from ..protocol import (
    CLOSE_BAD_HELLO,
    CLOSE_TOO_MANY,
    CLOSE_TRY_AGAIN,
    CLOSE_UNAUTHENTICATED,
    HELLO_TIMEOUT,
    PROTOCOL_VERSION,
    Hello,
    parse_hello,
)
from ..runtime import Runtime
from ..service import parse_envelope
from ..sinks import Frame, release_handshake, sink_for
from . import scope
from .edge import Caller, caller_of_token, identify, locale_of, runtime

log = logging.getLogger("console.ws")

MAX_FRAME = 64 * 1024
PONG = Frame(dumps({"type": "pong"}))


async def ws_endpoint(websocket: WebSocket) -> None:
    rt = runtime(websocket)
    try:
        caller = await identify(websocket)
    except SQLAlchemyError as exc:
        await _unavailable(websocket, exc)
        return
    if caller is not None and caller.session is not None and not _same_origin(websocket):
        caller = None  # a cookie sent by another site's page does not authenticate
    await websocket.accept()
    try:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancel (shutdown) that
        # arrives in the same loop step as the hello.
        async with asyncio.timeout(HELLO_TIMEOUT):
            raw = await websocket.receive_text()
        hello = parse_hello(parse_json(raw))
    except (TimeoutError, ValueError, ConsoleError, KeyError):
        await _refuse(websocket, CLOSE_BAD_HELLO, "hello_expected", locale_of(websocket))
        return
    except WebSocketDisconnect:
        return
    locale = hello.locale or locale_of(websocket)
    if caller is None and hello.token:
        try:
            caller = await caller_of_token(rt, hello.token)
        except SQLAlchemyError as exc:
            await _unavailable(websocket, exc)
            return
    if caller is None:
        await _refuse(websocket, CLOSE_UNAUTHENTICATED, "unauthenticated", locale)
        return
    held = sum(1 for c in rt.hub.connections if c.user_id == caller.user.id)
    if held >= rt.settings.ws_per_user:
        await _refuse(websocket, CLOSE_TOO_MANY, "too_many_connections", locale)
        return
    await _serve(websocket, rt, caller, hello, locale)


def _same_origin(websocket: WebSocket) -> bool:
    origin = websocket.headers.get("origin")
    if not origin:
        return True  # not a browser: browsers always send Origin on WebSocket handshakes
    host = websocket.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


async def _unavailable(websocket: WebSocket, exc: Exception) -> None:
    """The database could not be read for the handshake (a restart, a failover, a full pool): accept and
    close with 1013, try again later, and a translated error frame; an HTTP 500 in the handshake would
    tell the client nothing. live.js reconnects with its back-off."""
    log.error("database_unavailable", extra={"path": "/ws", "error": type(exc).__name__})
    if websocket.application_state is WebSocketState.CONNECTING:
        await websocket.accept()
    await _refuse(websocket, CLOSE_TRY_AGAIN, "server_busy", locale_of(websocket))


async def _refuse(websocket: WebSocket, code: int, error: str, locale: str) -> None:
    err = ConsoleError(error).to_dict(locale, runtime(websocket).registry.messages)
    with contextlib.suppress(Exception):
        await websocket.send_text(dumps({"type": "error", "id": None, "error": err}))
        await websocket.close(code=code, reason=error)


async def _serve(websocket: WebSocket, rt: Runtime, caller: Caller, hello: Hello, locale: str) -> None:
    async def close(code: int, reason: str) -> None:
        await websocket.close(code=code, reason=reason)

    conn = Connection(
        sink_for(websocket.scope, websocket.send),
        close,
        view=rt.registry.view_of(caller.user.roles),
        user_id=caller.user.id,
        limit=rt.settings.queue_limit,
        abort=websocket.scope.get("console.abort"),
        hang_up=websocket.scope.get("console.hang_up"),
        session_ends=caller.session.expires_at.timestamp() if caller.session else None,
        token_id=caller.token_id,
        # 督查范围: an inspector's connection gets the events of their units only.
        units=await scope.units_of(rt, caller),
    )
    # Attach first, then read the log: whatever commits in between is both read and queued, and the
    # queue drops what the read already sent. Nothing can fall in a gap between the two.
    rt.hub.attach(conn)
    tasks: set[asyncio.Task[None]] = set()
    try:
        await _resume(conn, rt, caller, hello)
        conn.start()
        release_handshake(websocket.scope)
        await _receive(websocket, conn, rt, caller, locale, tasks)
    except (WebSocketDisconnect, ConnectionError, OSError, ConnectionClosed):
        # The client went away (mid-resume or later): an ordinary event on a mobile network, not a fault.
        log.info("ws_client_gone", extra={"user": caller.user.id})
    except SQLAlchemyError as exc:  # the resume's reads (units, snapshot, the log) met a dropped database
        await _unavailable(websocket, exc)
    except Exception:
        log.exception("ws_failed")
    finally:
        rt.hub.detach(conn)
        await conn.stop()
        for task in tasks:
            task.cancel()


async def _resume(conn: Connection, rt: Runtime, caller: Caller, hello: Hello) -> None:
    welcome = {
        "type": "welcome",
        "protocol": PROTOCOL_VERSION,
        "epoch": rt.epoch,
        "user": {"id": caller.user.id, "name": caller.user.display_name, "roles": sorted(caller.user.roles)},
        "heartbeat": rt.settings.heartbeat_seconds,
    }
    position = await _resumable(rt, hello, conn.view, conn.units)
    if position is not None:
        await conn.send_now(Frame(dumps({**welcome, "mode": "replay"})))
        conn.last_sent = position
        async with rt.db.read.connect() as db:
            # 回避: an incident marked after its first events were written for everyone is not replayed.
            withheld = await db.run_sync(rt.registry.withheld, conn.view)
        recent = rt.hub.recent(position, conn.view, withheld, conn.units)
        if recent is not None:
            for pos, frame in recent:
                await conn.send_now(frame, pos)
        else:
            await _replay_from_log(conn, rt, position, withheld, conn.units)
        await conn.send_now(Frame(dumps({"type": "live", "position": conn.last_sent})))
        return
    await conn.send_now(Frame(dumps({**welcome, "mode": "snapshot"})))
    snap_position, state = await read_snapshot(rt, conn.view, conn.units)
    await conn.send_now(
        Frame(dumps({"type": "snapshot", "epoch": rt.epoch, "position": snap_position, "state": state}))
    )
    conn.last_sent = snap_position
    await conn.send_now(Frame(dumps({"type": "live", "position": snap_position})))


async def _replay_from_log(
    conn: Connection, rt: Runtime, position: int, withheld: frozenset[str], units: frozenset[str] | None
) -> None:
    """Replay from the log, a page at a time. An event the client may not see (a withheld incident, or for
    a connection limited to units another unit's, read with each page) is skipped; the position still
    moves on."""
    after = position
    while True:
        async with rt.db.read.connect() as db:
            batch = await eventlog.read_after(db, after, 500)
            if units is not None:
                await db.run_sync(rt.registry.note_units, batch)
        for event in batch:
            if _replayable(event, withheld, units):
                rendered = rt.hub.render(event, conn.view)
                if rendered is not None:
                    await conn.send_now(rendered, event.position)
            conn.last_sent = event.position
        if len(batch) < 500:
            return
        after = batch[-1].position


def _replayable(event: RecordedEvent, withheld: frozenset[str], units: frozenset[str] | None) -> bool:
    return about(event) not in withheld and (units is None or bool(admitted(event, units)))


# Gaps shorter than this are replayed without weighing them (CONSOLE_REPLAY_MAX_CHARS).
REPLAY_CHECK_AFTER = 200


async def _resumable(rt: Runtime, hello: Hello, view: str, units: frozenset[str] | None = None) -> int | None:
    """The position to replay from, or None when the client needs a snapshot instead.

    A snapshot when: another database (epoch), no position, a position beyond the log's head (a
    restored backup), or a gap wider than the replay window (CONSOLE_REPLAY_LIMIT).
    """
    position = hello.position
    if hello.epoch != rt.epoch or position is None:
        return None
    head = rt.hub.published
    if position > head:
        # Ahead of what this process has published: another replica's client, or a log restored
        # from a backup. Only the log's head can tell which.
        async with rt.db.read.connect() as db:
            head = await eventlog.head_position(db)
        if position > head:
            return None
    if head - position > rt.settings.replay_limit:
        return None
    async with rt.db.read.connect() as db:
        if await db.run_sync(rt.registry.resync_after, view, position):
            return None  # something this client may hold has been withdrawn from it since (回避)
        if units is not None and await db.run_sync(rt.registry.rescoped_after, position):
            return None  # an incident may have moved into or out of this inspector's units since
    budget = rt.settings.replay_max_chars
    if budget and head - position > REPLAY_CHECK_AFTER:
        # A long absence: replaying more than a snapshot weighs costs a phone more than starting afresh.
        async with rt.db.read.connect() as db:
            if await eventlog.payload_chars_after(db, position) > budget:
                return None
    return position


async def read_snapshot(
    rt: Runtime, view: str, units: frozenset[str] | None = None
) -> tuple[int, dict[str, Any]]:
    """The log position and the state at exactly that position, read in one transaction; with `units`,
    only what belongs to those units (督查范围)."""
    async with rt.db.read.connect() as db:
        if db.dialect.name == "postgresql":
            db = await db.execution_options(isolation_level="REPEATABLE READ")
        async with db.begin():
            position = await eventlog.head_position(db)
            state = await db.run_sync(rt.registry.snapshot, view, rt.settings)
            if units is not None:
                state = await db.run_sync(rt.registry.narrow_snapshot, state, units)
    return position, state


def _parse_frame(text: str) -> dict[str, Any]:
    """A client frame as a dict with a string `type`, or a translated `invalid_frame` error."""
    if len(text) > MAX_FRAME:
        raise InvalidInput("invalid_frame", detail="too large")
    frame = parse_json(text)
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise InvalidInput("invalid_frame", detail="type")
    return frame


async def _receive(
    websocket: WebSocket,
    conn: Connection,
    rt: Runtime,
    caller: Caller,
    locale: str,
    tasks: set[asyncio.Task[None]],
) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        conn.last_seen = time.monotonic()
        text = message.get("text")
        if text is None:
            text = (message.get("bytes") or b"").decode("utf-8", "replace")
        ref: str | None = None
        try:
            frame = _parse_frame(text)
            ref = frame["id"] if isinstance(frame.get("id"), str) else None
            kind = frame["type"]
            if kind == "pong":
                continue
            if kind == "ping":
                conn.offer(0, PONG)
                continue
            if kind != "command":
                raise InvalidInput("invalid_frame", detail=f"unknown type {kind[:32]}")
            envelope = parse_envelope({k: v for k, v in frame.items() if k != "type"})
        except ConsoleError as exc:
            conn.offer(
                0,
                Frame(
                    dumps({"type": "error", "id": ref, "error": exc.to_dict(locale, rt.registry.messages)})
                ),
            )
            continue
        task = asyncio.create_task(_command(conn, rt, caller, envelope, locale))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


async def _command(conn: Connection, rt: Runtime, caller: Caller, envelope: Any, locale: str) -> None:
    result = await rt.service.submit(envelope, caller.user.actor)
    conn.offer(0, Frame(dumps({"type": "result", **result.to_dict(locale, rt.registry.messages)})))
