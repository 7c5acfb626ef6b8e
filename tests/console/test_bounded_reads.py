"""Bounded reads: what a (re)connecting client and the room page get does not grow with the log.

A snapshot and a page carry what a screen shows (open incidents, recent closed ones, the latest notes
and history); older notes and history are paged through their own routes.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from support import LiveClient, LocalServer, login, register_args

NOTES = 10_000
# What a screen shows, in bytes: generous against today's sizes, far below what 10,000 notes weigh
# (each note frame is ~400 bytes, so all of them would be ~4 MB).
SNAPSHOT_MAX = 64 * 1024
ROOM_PAGE_GROWTH_MAX = 96 * 1024


async def _write_notes(server: LocalServer, cookie: str, incident_id: str, count: int) -> None:
    """Pipeline the notes over one socket (the writer batches them), then wait for every result."""
    client = LiveClient(server.ws_url, cookie)
    await client.connect()
    try:
        last = ""
        for start in range(0, count, 500):
            ids = [
                await client.send(
                    "incident.note", {"incident_id": incident_id, "text": f"现场记录 {n:05d} " * 4}
                )
                for n in range(start, min(count, start + 500))
            ]
            for cid in ids:
                result = await client.wait_result(cid, timeout=120)
                assert result["ok"], result
            last = ids[-1]
        assert last
    finally:
        await client.close()


async def _away_while_notes_are_written(server: LocalServer, cookie: str, incident_id: str) -> int:
    """A phone goes away, the notes are written, it comes back: what its resume costs, in bytes."""
    phone = LiveClient(server.ws_url, cookie)
    await phone.connect()
    await phone.close()
    await _write_notes(server, cookie, incident_id, NOTES)
    events, snapshots = len(phone.events), len(phone.snapshots)
    await phone.connect()
    await phone.close()
    assert len(phone.snapshots) == snapshots + 1, "a long absence resumes from a snapshot"
    return len(json.dumps([phone.events[events:], phone.snapshots[snapshots:]]).encode())


async def _snapshot_frame(server: LocalServer, cookie: str) -> tuple[int, dict[str, Any]]:
    client = LiveClient(server.ws_url, cookie)
    sizes: list[int] = []
    await client.connect()
    await client.close()
    assert client.snapshots, "a first connection gets a snapshot"
    sizes.append(len(json.dumps(client.snapshots[-1], ensure_ascii=False).encode()))
    return sizes[0], client.snapshots[-1]


def _get(server: LocalServer, cookie: str, path: str) -> httpx.Response:
    r = httpx.get(server.base + path, cookies={"ic_session": cookie}, timeout=60)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r


def test_ten_thousand_notes_keep_snapshot_and_room_page_small(server: LocalServer) -> None:
    cookie, csrf = login(server, "duty")
    jar = {"ic_session": cookie}
    opened = httpx.post(
        server.base + "/api/commands",
        json={"id": "t-bounded-register", "name": "incident.register", "args": register_args()},
        cookies=jar,
        headers={"x-csrf-token": csrf},
    ).json()
    incident_id = opened["result"]["incident_id"]
    empty_room = len(_get(server, cookie, f"/incidents/{incident_id}").content)
    resumed = asyncio.run(_away_while_notes_are_written(server, cookie, incident_id))
    # Back after a long absence, the phone got a small snapshot, not 10,000 events replayed.
    assert resumed < SNAPSHOT_MAX, resumed

    ws_size, snap = asyncio.run(_snapshot_frame(server, cookie))
    state_size = len(_get(server, cookie, "/api/state").content)
    room = _get(server, cookie, f"/incidents/{incident_id}").text
    sizes = {"ws_snapshot": ws_size, "api_state": state_size, "room_page": len(room.encode())}
    print("bounded reads after", NOTES, "notes:", sizes, "empty room page:", empty_room)
    assert ws_size < SNAPSHOT_MAX, sizes
    assert state_size < SNAPSHOT_MAX, sizes
    assert len(room.encode()) - empty_room < ROOM_PAGE_GROWTH_MAX, sizes
    # The snapshot holds the latest notes of the open incident, newest last.
    notes = snap["state"]["notes"]
    assert notes and notes[-1]["text"].startswith(f"现场记录 {NOTES - 1:05d}")
    assert len(_get(server, cookie, f"/api/incidents/{incident_id}").content) < SNAPSHOT_MAX

    # Every older note and event is still reachable, page by page, and nothing twice.
    seen: list[str] = []
    before: int | None = None
    while True:
        query = f"?before={before}&limit=1000" if before is not None else "?limit=1000"
        page = _get(server, cookie, f"/api/incidents/{incident_id}/notes{query}").json()
        seen = [n["id"] for n in page["notes"]] + seen
        if not page["more"]:
            break
        before = page["notes"][0]["position"]
    assert len(seen) == len(set(seen)) == NOTES
    history = _get(server, cookie, f"/api/incidents/{incident_id}/history?limit=1000").json()
    assert len(history["events"]) == 1000 and history["more"] is True
    positions = [e["position"] for e in history["events"]]
    assert positions == sorted(positions) and positions[-1] == notes[-1]["position"]
    older = _get(server, cookie, f"/api/incidents/{incident_id}/history?before={positions[0]}&limit=5").json()
    earlier = [e["position"] for e in older["events"]]
    assert len(earlier) == 5 and earlier == sorted(earlier) and earlier[-1] < positions[0]


def test_paging_refuses_bad_input_and_unknown_incidents(server: LocalServer) -> None:
    cookie, _ = login(server, "reviewer")
    jar = {"ic_session": cookie}
    for route in ("notes", "history"):
        for query in ("before=abc", "before=-1", "before=%C2%B2", "limit=x", "limit=1.5", "limit=%D9%A1"):
            r = httpx.get(server.base + f"/api/incidents/none/{route}?{query}", cookies=jar)
            assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_frame", (
                route,
                query,
                r.text,
            )
        for incident_id in ("a%00b", "x" * 65):
            r = httpx.get(server.base + f"/api/incidents/{incident_id}/{route}", cookies=jar)
            assert r.status_code == 404, (route, incident_id, r.text)  # never a 500
        unknown = httpx.get(server.base + f"/api/incidents/none/{route}", cookies=jar)
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "incident_not_found"
        far = httpx.get(server.base + f"/api/incidents/none/{route}?before={10**30}", cookies=jar)
        assert far.status_code == 404, far.text  # a huge position is just past the end
        assert httpx.get(server.base + f"/api/incidents/none/{route}").status_code == 401
