"""Staff's personal data (phone numbers) has a visibility class: only the desk that manages them gets it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from support import LiveClient, LocalServer, command_id, login

from console.events import RecordedEvent
from console.permissions import view_of, visible_classes
from console.responders.events import OrganisationImported

UNITS = "id,name,kind,parent_id,phone\ncounty,县纪委监委,county_commission,,0571-60000000\n"
PEOPLE = "id,name,unit_id,post,phone\nr1,张一,county,干部,13800000001\nr2,李二,county,干部,13800000002\n"
PHONES = ("13800000001", "13800000002")
# Who manages the organisation sees its people's numbers; nobody else does, in any channel.
SEES_PHONES = {
    "duty": True,
    "leader": True,
    "admin": True,
    "responder": False,
    "reviewer": False,
    "inspector": False,
}


def _event(people: list[dict[str, Any]]) -> RecordedEvent:
    payload = OrganisationImported.model_validate({"table": "people", "people": people})
    return RecordedEvent(
        1, "org", "org.imported", "u", "u", "t", "t", "all", None, payload.model_dump_json(), "", ""
    )


@pytest.mark.parametrize(
    ("roles", "phone"),
    [
        ({"duty_officer"}, True),
        ({"leader"}, True),
        ({"admin"}, True),
        ({"responder"}, False),
        ({"reviewer"}, False),
        ({"inspector"}, False),
    ],
)
def test_the_personal_class_follows_the_role(roles: set[str], phone: bool) -> None:
    event = _event([{"id": "r1", "name": "张一", "unit_id": "u", "phone": "13800000001"}])
    data = OrganisationImported.public_data(event.data, visible_classes(view_of(roles)))
    assert ("phone" in data["people"][0]) is phone
    assert data["people"][0]["name"] == "张一"  # names and posts are for everyone


def test_views_keep_audit_and_personal_apart() -> None:
    assert visible_classes(view_of({"reviewer"})) == {"all", "audit"}
    assert visible_classes(view_of({"duty_officer"})) == {"all", "personal"}
    assert visible_classes(view_of({"admin"})) == {"all", "audit", "personal"}
    assert visible_classes(view_of({"inspector"})) == {"all"}
    assert visible_classes("staff+nonsense") == {"all"}


async def _live_text(server: LocalServer, cookie: str) -> str:
    client = LiveClient(server.ws_url, cookie)
    client.position, client.epoch = 0, None
    await client.connect()  # a snapshot (no epoch yet)
    await client.close()
    client.position = 0
    await client.connect()  # the whole log replayed as this user may see it
    await client.close()
    return json.dumps(client.events, ensure_ascii=False) + json.dumps(client.snapshots, ensure_ascii=False)


def test_phone_numbers_reach_only_the_desk(server: LocalServer) -> None:
    duty = login(server, "duty")
    for table, text in (("units", UNITS), ("people", PEOPLE)):
        r = httpx.post(
            server.base + "/api/commands",
            json={"id": command_id(), "name": "org.import", "args": {"table": table, "text": text}},
            cookies={"ic_session": duty[0]},
            headers={"x-csrf-token": duty[1]},
        )
        assert r.json()["ok"], r.text
    for user, sees in SEES_PHONES.items():
        cookie, _ = login(server, user)
        jar = {"ic_session": cookie}
        texts = [
            httpx.get(server.base + "/api/events?after=0", cookies=jar).text,
            httpx.get(server.base + "/api/state", cookies=jar).text,
            httpx.get(server.base + "/api/responders", cookies=jar).text,
            httpx.get(server.base + "/roster", cookies=jar).text,
            asyncio.run(_live_text(server, cookie)),
        ]
        seen = [i for i, text in enumerate(texts) if any(p in text for p in PHONES)]
        if sees:
            assert 0 in seen and 4 in seen, (user, seen)  # the import events carry them
        else:
            assert seen == [], (user, seen)
        # The unit's office number is no one's personal data.
        assert "0571-60000000" in texts[0], user
        assert "张一" in texts[0], user
