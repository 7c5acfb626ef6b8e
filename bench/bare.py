"""The fan-out baseline: a bare `websockets` server doing the console's fan-out with nothing else.

No database, no authentication, no per-connection queue: it takes the same hello and command frames,
assigns a position from a counter, broadcasts an event frame shaped (and sized) like the console's with
`websockets.asyncio.server.broadcast`, then replies an ok result. Same event loop as the console (uvloop
when installed), same permessage-deflate defaults, no library pings (the console has none either).

Run as `python -m bench.bare --port P`; stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import uuid
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from .common import HOST, die_with_parent, raise_nofile, run_async

ACTOR = {"id": uuid.uuid4().hex, "name": "王值班（值班员）"}


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Fanout:
    def __init__(self) -> None:
        self.position = 0
        self.clients: set[ServerConnection] = set()
        self.epoch = uuid.uuid4().hex

    def event(self, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Append (to a counter) and render the event once, like the console's incident.registered."""
        self.position += 1
        incident_id = uuid.uuid4().hex
        now = now_iso()
        number = f"XF-2026-{self.position:04d}"
        data = {
            "channel": args.get("channel", "walk_in"),
            "drill": bool(args.get("drill", False)),
            "head_count": args.get("head_count", 0),
            "incident_id": incident_id,
            "incident_type": args.get("type", "other"),
            "number": number,
            "place": args.get("place", ""),
            "started_at": now,
            "summary": args.get("summary", ""),
        }
        frame = dumps(
            {
                "type": "event",
                "position": self.position,
                "stream": f"incident-{incident_id}",
                "event": "incident.registered",
                "actor": ACTOR,
                "occurred_at": now,
                "recorded_at": now,
                "data": data,
            }
        )
        return frame, {"incident_id": incident_id, "number": number}

    async def handler(self, ws: ServerConnection) -> None:
        try:
            json.loads(await asyncio.wait_for(ws.recv(), timeout=10))  # the hello
            await ws.send(dumps({"type": "welcome", "protocol": 1, "epoch": self.epoch, "mode": "snapshot"}))
            # Read the position and join the broadcast set in one step: nothing can fall in between.
            start = self.position
            self.clients.add(ws)
            await ws.send(dumps({"type": "live", "position": start}))
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "command":
                    event, result = self.event(frame.get("args") or {})
                    broadcast(self.clients, event)
                    reply = {"type": "result", "id": frame.get("id"), "ok": True, "result": result}
                    await ws.send(dumps({**reply, "position": self.position, "duplicate": False}))
                elif kind == "ping":
                    await ws.send('{"type":"pong"}')
        except (ConnectionClosed, TimeoutError, ValueError):
            pass
        finally:
            self.clients.discard(ws)


async def main(port: int) -> None:
    fanout = Fanout()
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            sig, lambda: None if stop.done() else stop.set_result(None)
        )
    async with serve(fanout.handler, HOST, port, ping_interval=None, max_size=256 * 1024):
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    die_with_parent()
    raise_nofile()
    run_async(main(parser.parse_args().port))
