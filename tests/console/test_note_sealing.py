"""Organisers' names typed into timeline notes are sealed (issue 12, seed §7): the writer marks them, or the
console recognises a name sealed before; the note every staff member reads carries only a mark."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import LiveClient, Served, command_id, login, register_args

from console.commands import Actor, Context
from console.incidents.commands import AddNote
from console.incidents.decide import IncidentState, NoteTarget, decide_note, seal_names
from console.incidents.events import (
    NAMED_IN_NOTES_FIELD,
    SEALED_NAME_MARK,
    ConfidentialRecorded,
    IncidentNoteAdded,
    IncidentStatus,
)
from console.settings import Settings

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
OPEN = IncidentState("i1", IncidentStatus.OPEN, "sit_in", "机关大门", 60, "", "visit")
CTX = Context(
    actor=Actor(id="u1", name="王值班", roles=frozenset({"duty_officer"})),
    now=NOW,
    occurred_at=NOW,
    new_id="n1",
    settings=Settings(
        data_dir=Path("var"), database_url="sqlite://", secret_key="k", timezone="Asia/Shanghai"
    ),
)


@pytest.mark.parametrize(
    ("text", "names", "sealed", "count"),
    [
        ("张三带头拉横幅", {"张三"}, f"{SEALED_NAME_MARK}带头拉横幅", 1),
        ("张三丰和张三在门口", {"张三", "张三丰"}, f"{SEALED_NAME_MARK}和{SEALED_NAME_MARK}在门口", 2),
        ("人数增至80人", {"张三"}, "人数增至80人", 0),
        ("李四、李四", {"李四"}, f"{SEALED_NAME_MARK}、{SEALED_NAME_MARK}", 2),
    ],
)
def test_seal_names_replaces_every_occurrence_longest_first(
    text: str, names: set[str], sealed: str, count: int
) -> None:
    assert seal_names(text, frozenset(names)) == (sealed, count)


def _decide(target: NoteTarget, text: str, marked: tuple[str, ...] = ()) -> list[Any]:
    decision = decide_note(target, AddNote(incident_id="i1", text=text, sealed_names=marked), CTX)
    return [e.payload for e in decision.events]


def test_a_marked_name_goes_into_the_sealed_part_and_not_into_the_note() -> None:
    seal, note = _decide(NoteTarget(OPEN), "组织者张三在大门口喊话", ("张三",))
    assert isinstance(seal, ConfidentialRecorded) and seal.values == {NAMED_IN_NOTES_FIELD: "张三"}
    assert isinstance(note, IncidentNoteAdded)
    assert note.text == f"组织者{SEALED_NAME_MARK}在大门口喊话" and note.names_sealed == 1
    assert "张三" not in json.dumps(note.model_dump(), ensure_ascii=False)


def test_a_name_sealed_before_is_replaced_whoever_writes_it() -> None:
    target = NoteTarget(OPEN, sealed_names=frozenset({"王五", "赵六"}), named_in_notes=("赵六",))
    (note,) = _decide(target, "王五情绪激动，赵六劝说无效")
    assert note.text == f"{SEALED_NAME_MARK}情绪激动，{SEALED_NAME_MARK}劝说无效"
    # A further marked name adds to the names kept from notes, keeping the earlier ones.
    seal, note = _decide(target, "孙七加入", ("孙七",))
    assert seal.values == {NAMED_IN_NOTES_FIELD: "赵六、孙七"}
    # Marking a name already kept seals nothing new.
    (note,) = _decide(target, "赵六离开", ("赵六",))
    assert note.text == f"{SEALED_NAME_MARK}离开"


def _post(server: Served, session: tuple[str, str], name: str, args: dict[str, Any]) -> dict[str, Any]:
    cookie, csrf = session
    r = httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": name, "args": args},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf},
    )
    body: dict[str, Any] = r.json()
    return body


async def _live_frames(server: Served, cookie: str) -> str:
    client = LiveClient(server.ws_url, cookie)
    client.position, client.epoch = 0, None
    await client.connect()
    await client.close()
    return json.dumps([client.snapshots, client.events], ensure_ascii=False)


def test_names_in_notes_reach_no_page_api_or_live_frame(server: Served) -> None:
    duty, leader, responder = login(server, "duty"), login(server, "leader"), login(server, "responder")
    incident_id = _post(server, duty, "incident.register", register_args())["result"]["incident_id"]
    marked = _post(
        server,
        responder,
        "incident.note",
        {"incident_id": incident_id, "text": "组织者周八在门口带头喊话", "sealed_names": ["周八"]},
    )
    assert marked["ok"] and marked["result"]["names_sealed"] == 1, marked
    # Later, someone types the same name without marking it: it is sealed all the same.
    unmarked = _post(server, duty, "incident.note", {"incident_id": incident_id, "text": "周八已被劝离"})
    assert unmarked["ok"] and unmarked["result"]["names_sealed"] == 1, unmarked
    for session in (duty, leader, responder):
        jar = {"ic_session": session[0]}
        seen = [
            httpx.get(server.base + f"/api/incidents/{incident_id}", cookies=jar).text,
            httpx.get(server.base + f"/incidents/{incident_id}", cookies=jar).text,
            httpx.get(server.base + "/api/events?after=0", cookies=jar).text,
            httpx.get(server.base + "/api/incidents", cookies=jar).text,
            asyncio.run(_live_frames(server, session[0])),
        ]
        for text in seen:
            assert "周八" not in text
        assert SEALED_NAME_MARK in seen[0]
    # A step note or a skip reason in the checklist is free text every staff member reads too.
    run = httpx.get(server.base + f"/api/incidents/{incident_id}/run", cookies={"ic_session": duty[0]}).json()
    steps = [s for s in run["run"]["steps"] if s["status"] in ("ready", "due_soon", "overdue")]
    assert len(steps) >= 2, steps
    first, second = steps[0]["id"], steps[1]["id"]
    note = {"incident_id": incident_id, "step_id": first, "note": "已联系周八的家属"}
    done = _post(server, duty, "run.complete_step", note)
    reason = {"incident_id": incident_id, "step_id": second, "reason": "周八已离开现场"}
    skipped = _post(server, duty, "run.skip_step", reason)
    assert done["ok"] and skipped["ok"], (done, skipped)
    for session in (duty, responder):
        jar = {"ic_session": session[0]}
        room = httpx.get(server.base + f"/api/incidents/{incident_id}/run", cookies=jar).text
        frames = asyncio.run(_live_frames(server, session[0]))
        assert "周八" not in room and "周八" not in frames
        assert f"已联系{SEALED_NAME_MARK}的家属" in room and f"{SEALED_NAME_MARK}已离开现场" in room
    # The leader reveals the sealed part, with a logged access, and finds the name there.
    revealed = httpx.get(
        server.base + f"/api/incidents/{incident_id}/confidential", cookies={"ic_session": leader[0]}
    )
    assert revealed.status_code == 200 and "周八" in revealed.text
