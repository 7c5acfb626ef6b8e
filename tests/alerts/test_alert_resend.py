"""重新发送 (OnCall #1403: failed webhooks must be visible and resendable): a page whose channel was down
for the whole run is failed in the delivery log; the duty officer resends it once the gateway is back,
and the log shows the new attempt, linked to the one it repeats, with who asked. Through the real
worker and apprise, to a receiver that comes up on the port that refused before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alert_console import AlertConsole
from alert_receivers import HttpReceiver, SmtpServer, start_http_receiver
from support import free_port

from console.alerts.queries import delivery_log
from console.eventlog import head_position


@pytest.fixture
def gateway_port() -> Iterator[int]:
    yield free_port()


async def _log(console: AlertConsole, incident_id: str) -> list[dict[str, object]]:
    async with console.db.read.connect() as conn:
        rows: list[dict[str, object]] = await conn.run_sync(
            lambda c: delivery_log(c, incident_id=incident_id)
        )
    return rows


async def _head(console: AlertConsole) -> int:
    async with console.db.read.connect() as conn:
        return await head_position(conn)


async def _failed_page(console: AlertConsole, port: int) -> str:
    """A sit-in whose leader's only channel (an SMS gateway) refuses every try: both rounds of the
    urgent first level end failed (each at once after the other), and the alert goes on to level 2."""
    admin = await console.actor("admin")
    down = f"json://127.0.0.1:{port}/sms-gateway"
    await console.ok("alert.set_channels", {"person_id": "leader", "channels": [down]}, admin)
    incident_id = await console.sit_in()
    for _ in range(3):
        await console.drain()
        console.clock.move(seconds=40)  # past the backoff (30 s ± 20 %)
    await console.drain()
    assert sorted((p.round, p.state) for p in await console.pages("leader")) == [(0, "failed"), (1, "failed")]
    return str(incident_id)


async def _leader(console: AlertConsole, incident_id: str, round_: int = 2) -> list[dict[str, object]]:
    """The leader's attempts of one round of the first level, as the delivery log lists them."""
    return [
        r
        for r in await _log(console, incident_id)
        if r["person_id"] == "leader" and r["level"] == 1 and r["round"] == round_
    ]


async def _page_state(console: AlertConsole) -> str:
    [page] = [p for p in await console.pages("leader") if (p.level, p.round) == (0, 1)]
    return str(page.state)


async def test_a_failed_page_is_resent_by_the_duty_officer_and_delivered_once_the_gateway_is_back(
    console: AlertConsole, gateway_port: int
) -> None:
    incident_id = await _failed_page(console, gateway_port)
    rows = await _log(console, incident_id)
    leader = await _leader(console, incident_id)
    assert [(r["attempt"], r["state"], r["resendable"]) for r in leader] == [
        (1, "failed", False),  # an earlier try of the channel: its last try is the one to resend
        (2, "failed", True),
    ]
    assert "Connection error" in str(leader[1]["reason"])

    gateway: HttpReceiver = start_http_receiver(gateway_port)  # the gateway is back
    try:
        duty = await console.actor("duty")
        asked = await console.ok("alert.resend", {"outbox_id": leader[1]["dedupe_key"]}, duty)
        new_key = asked["outbox_id"]
        assert new_key not in {r["dedupe_key"] for r in rows}  # a key of its own
        assert await _page_state(console) == "sending"

        again = await console.submit("alert.resend", {"outbox_id": leader[1]["dedupe_key"]}, duty)
        assert again.error is not None and again.error.code == "resend_in_flight"  # no double page

        await console.drain()
        [body] = gateway.bodies("sms-gateway")
        assert new_key in body and "请立即赶赴机关大门" in body  # the new dedupe key travels
    finally:
        gateway.server.shutdown()
        gateway.server.server_close()

    assert await _page_state(console) == "delivered"
    leader = await _leader(console, incident_id)
    resent = leader[-1]
    assert (resent["dedupe_key"], resent["state"], resent["resend"]) == (new_key, "delivered", 1)
    assert resent["resend_of"] == leader[1]["dedupe_key"]
    assert resent["resent_by"] == duty.name  # who asked, in the log
    assert not any(r["resendable"] for r in leader)


async def test_a_resend_that_fails_again_retries_and_ends_failed_with_keys_of_its_own(
    console: AlertConsole, gateway_port: int
) -> None:
    incident_id = await _failed_page(console, gateway_port)
    leader = await _leader(console, incident_id)
    admin = await console.actor("admin")
    await console.ok("alert.resend", {"outbox_id": leader[1]["dedupe_key"]}, admin)  # still down
    await console.drain()
    console.clock.move(seconds=40)
    await console.drain()
    rows = await _leader(console, incident_id)
    assert [(r["resend"], r["attempt"], r["state"]) for r in rows] == [
        (0, 1, "failed"),
        (0, 2, "failed"),
        (1, 1, "failed"),
        (1, 2, "failed"),
    ]
    assert len({r["dedupe_key"] for r in rows}) == 4
    assert rows[3]["resent_by"] == admin.name and rows[3]["resend_of"] == leader[1]["dedupe_key"]
    assert await _page_state(console) == "failed"
    assert [r["resendable"] for r in rows] == [False, False, False, True]  # once more, if asked


async def test_resending_one_failed_channel_of_a_delivered_page_does_not_page_the_other_channel_again(
    console: AlertConsole, gateway_port: int, smtp: SmtpServer
) -> None:
    admin = await console.actor("admin")
    down = f"json://127.0.0.1:{gateway_port}/sms-gateway"
    await console.ok("alert.set_channels", {"person_id": "leader", "channels": [down, smtp.url()]}, admin)
    incident_id = await console.sit_in()
    await console.drain()
    console.clock.move(seconds=40)
    await console.drain()
    rows = await _leader(console, incident_id, round_=1)
    assert [(r["channel_ref"] == rows[0]["channel_ref"], r["state"], r["resendable"]) for r in rows] == [
        (True, "failed", False),
        (True, "failed", True),  # the SMS gateway's last try: resendable though the mail arrived
        (False, "delivered", False),
    ]
    mails = len(smtp.bodies())
    await console.ok("alert.resend", {"outbox_id": rows[1]["dedupe_key"]}, admin)
    await console.drain()
    console.clock.move(seconds=40)
    await console.drain()
    after = await _leader(console, incident_id, round_=1)
    resent = [(r["channel_ref"], r["state"]) for r in after if r["resend"] == 1]
    assert resent == [(rows[0]["channel_ref"], "failed")] * 2  # its own tries, on the gateway only
    assert len(after) == 5
    assert len(smtp.bodies()) == mails  # the mail channel is not sent the page again
    [page] = [p for p in await console.pages("leader") if (p.level, p.round) == (0, 0)]
    assert page.state == "delivered"


@pytest.mark.parametrize("case", ["unknown", "delivered", "acknowledged", "closed", "responder"])
async def test_a_resend_that_cannot_be_is_refused_with_a_translated_reason_and_changes_nothing(
    console: AlertConsole, gateway_port: int, case: str
) -> None:
    incident_id = await _failed_page(console, gateway_port)
    leader = await _leader(console, incident_id)
    key = str(leader[1]["dedupe_key"])
    duty = await console.actor("duty")
    actor = duty
    expected = {
        "unknown": "alert_not_found",
        "delivered": "resend_not_failed",
        "acknowledged": "resend_acknowledged",
        "closed": "resend_closed",
        "responder": "forbidden",
    }[case]
    if case == "unknown":
        key = "nosuchattempt"
    elif case == "delivered":
        # The second level's in-app page (boss set no channel) was delivered in its transaction.
        delivered = [r for r in await _log(console, incident_id) if r["state"] == "delivered"]
        key = str(delivered[0]["dedupe_key"])
    elif case == "acknowledged":
        await console.ok(
            "alert.acknowledge", {"alert_id": leader[1]["alert_id"]}, await console.actor("leader")
        )
    elif case == "closed":
        await console.ok("incident.close", {"incident_id": incident_id, "outcome": "resolved"})
    else:
        actor = await console.actor("responder")
    before = await _head(console)
    log_before = await _log(console, incident_id)
    refused = await console.submit("alert.resend", {"outbox_id": key}, actor)
    assert not refused.ok and refused.error is not None and refused.error.code == expected
    zh = refused.error.message("zh_CN", console.registry.messages)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), zh  # said in Chinese
    assert await _head(console) == before and await _log(console, incident_id) == log_before
