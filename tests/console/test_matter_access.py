"""Who is involved in a matter (seed §7): assignment is decided; overwriting needs the reading right."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import Deployment, LocalServer, command_id, login, register_args

from console.commands import Actor, Context
from console.errors import Forbidden
from console.incidents.commands import AssignMember, Confidential, RecordConfidential
from console.incidents.decide import Matter, decide_assign, decide_record, decide_unassign
from console.incidents.events import ConfidentialRecorded, IncidentStatus, MemberAssigned
from console.settings import Settings

SETTINGS = Settings(data_dir=Path("var"), database_url="sqlite://", secret_key="k")
MATTER = Matter(
    incident_id="i1",
    status=IncidentStatus.OPEN,
    members=frozenset({"registrar", "helper"}),
    fields=frozenset({"informant_name"}),
    registered_by="registrar",
    user_roles=frozenset({"duty_officer"}),
    values={"informant_name": "张三"},
)


def _ctx(user_id: str, *roles: str) -> Context:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    return Context(now, now, Actor(user_id, user_id, frozenset(roles)), "new", SETTINGS)


@pytest.mark.parametrize(
    ("actor", "roles", "allowed"),
    [
        ("boss", ("leader",), True),
        ("registrar", ("duty_officer",), True),  # the registering officer, for their own incident
        ("other", ("duty_officer",), False),  # any other duty officer, even for themselves
        ("helper", ("duty_officer",), False),  # being involved is not deciding who else is
        ("rsp", ("responder",), False),
    ],
)
def test_assignment_is_a_leaders_or_the_registrars_decision(
    actor: str, roles: tuple[str, ...], allowed: bool
) -> None:
    args = AssignMember(incident_id="i1", user_id=actor if actor != "registrar" else "other")
    if allowed:
        decision = decide_assign(MATTER, args, _ctx(actor, *roles))
        assert isinstance(decision.events[0].payload, MemberAssigned)
    else:
        with pytest.raises(Forbidden) as err:
            decide_assign(MATTER, args, _ctx(actor, *roles))
        assert err.value.code == "assign_forbidden"


def test_anyone_may_step_back_but_removing_others_is_decided() -> None:
    decide_unassign(MATTER, AssignMember(incident_id="i1", user_id="helper"), _ctx("helper", "duty_officer"))
    with pytest.raises(Forbidden):
        decide_unassign(
            MATTER, AssignMember(incident_id="i1", user_id="helper"), _ctx("other", "duty_officer")
        )
    decide_unassign(
        MATTER, AssignMember(incident_id="i1", user_id="helper"), _ctx("registrar", "duty_officer")
    )


def test_overwriting_needs_the_reading_right_and_keeps_the_old_value() -> None:
    overwrite = RecordConfidential(incident_id="i1", confidential=Confidential(informant_name="李四"))
    with pytest.raises(Forbidden) as err:
        decide_record(MATTER, overwrite, _ctx("other", "duty_officer"))
    assert err.value.code == "confidential_overwrite_forbidden"
    payload = decide_record(MATTER, overwrite, _ctx("helper", "duty_officer")).events[0].payload
    assert isinstance(payload, ConfidentialRecorded)
    assert payload.values == {"informant_name": "李四"} and payload.replaced == {"informant_name": "张三"}
    # Adding a field nobody recorded yet reveals nothing and overwrites nothing.
    add = RecordConfidential(incident_id="i1", confidential=Confidential(informant_phone="139"))
    added = decide_record(MATTER, add, _ctx("other", "duty_officer")).events[0].payload
    assert isinstance(added, ConfidentialRecorded) and added.replaced == {}
    # The same value again is no change at all.
    same = RecordConfidential(incident_id="i1", confidential=Confidential(informant_name="张三"))
    with pytest.raises(Exception, match="nothing_to_amend"):
        decide_record(MATTER, same, _ctx("other", "duty_officer"))


# --- through the real stack ---


@pytest.fixture
def duty2_server(deployment: Deployment) -> Iterator[LocalServer]:
    deployment.add_users({"duty2": "duty_officer"})
    srv = LocalServer(deployment).start()
    try:
        yield srv
    finally:
        srv.stop()


def _post(server: LocalServer, session: tuple[str, str], name: str, args: dict[str, Any]) -> dict[str, Any]:
    cookie, csrf = session
    r = httpx.post(
        server.base + "/api/commands",
        json={"id": command_id(), "name": name, "args": args},
        cookies={"ic_session": cookie},
        headers={"x-csrf-token": csrf},
    )
    body: dict[str, Any] = r.json()
    return body


def _me(server: LocalServer, session: tuple[str, str]) -> str:
    user_id: str = httpx.get(server.base + "/api/me", cookies={"ic_session": session[0]}).json()["user"]["id"]
    return user_id


def _reveal(server: LocalServer, session: tuple[str, str], incident_id: str) -> httpx.Response:
    return httpx.get(
        server.base + f"/api/incidents/{incident_id}/confidential", cookies={"ic_session": session[0]}
    )


def test_an_uninvolved_officer_can_neither_join_nor_overwrite(duty2_server: LocalServer) -> None:
    server = duty2_server
    duty, other, leader = login(server, "duty"), login(server, "duty2"), login(server, "leader")
    other_id = _me(server, other)
    secret = {"informant_name": "举报人甲", "report_content": "举报内容甲"}
    registered = _post(server, duty, "incident.register", {**register_args(), "confidential": secret})
    incident_id = registered["result"]["incident_id"]

    # 1. Another duty officer cannot make themselves involved, so cannot read the informant.
    joined = _post(server, other, "incident.assign", {"incident_id": incident_id, "user_id": other_id})
    assert joined["ok"] is False and joined["error"]["code"] == "assign_forbidden"
    assert _reveal(server, other, incident_id).status_code == 403

    # 2. Nor overwrite what was recorded; the value stays as it was.
    overwrite = {"incident_id": incident_id, "confidential": {"informant_name": "冒名"}}
    refused = _post(server, other, "incident.record_confidential", overwrite)
    assert refused["ok"] is False and refused["error"]["code"] == "confidential_overwrite_forbidden"
    assert _reveal(server, duty, incident_id).json()["confidential"]["informant_name"] == "举报人甲"

    # 3. A leader's assignment is recorded (who decided) and opens the matter to them.
    assert _post(server, leader, "incident.assign", {"incident_id": incident_id, "user_id": other_id})["ok"]
    assert _reveal(server, other, incident_id).status_code == 200

    # 4. Now involved, the officer may correct it; the log keeps what was there before (sealed).
    assert _post(server, other, "incident.record_confidential", overwrite)["ok"]
    assert _reveal(server, duty, incident_id).json()["confidential"]["informant_name"] == "冒名"
    events = _log(server)
    assigned = [e for e in events if e["type"] == "incident.member_assigned"]
    assert [e["actor_name"] for e in assigned] == ["leader"]
    recorded = [json.loads(e["payload"]) for e in events if e["type"] == "incident.confidential_recorded"]
    assert recorded[-1]["replaced"] == {"informant_name": "举报人甲"}
    # Clients learn which fields were replaced, never the values.
    wire = httpx.get(server.base + "/api/events?after=0", cookies={"ic_session": leader[0]}).text
    assert "举报人甲" not in wire and '"replaced":["informant_name"]' in wire


def _log(server: LocalServer) -> list[dict[str, Any]]:
    """The stored log (types, actors, sealed payloads), read from the database."""
    import asyncio

    from sqlalchemy import select

    from console.db import open_database
    from console.tables import events

    async def read() -> list[dict[str, Any]]:
        db = open_database(server.deployment.settings)
        try:
            async with db.read.connect() as conn:
                rows = await conn.execute(select(events).order_by(events.c.position))
                return [dict(r._mapping) for r in rows]
        finally:
            await db.dispose()

    return asyncio.run(read())
