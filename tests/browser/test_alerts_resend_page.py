"""重新发送 on the delivery log page, live: the leader's SMS gateway is down, so the page fails and the
log shows it with the reason and a 重新发送 button; the gateway comes back, the duty officer taps the
button, and the log shows the new attempt delivered, with who asked. The real server, its alert worker
and apprise, to a receiver brought up on the port that refused before."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import TABLET_LANDSCAPE, OpenPage, screenshot
from playwright.sync_api import expect
from support import Deployment, LocalServer, free_port

sys.path.insert(0, str(Path(__file__).parent.parent / "alerts"))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
from alert_receivers import start_http_receiver
from org import Api, import_organisation, sit_in

PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1440, "height": 900}


@pytest.fixture
def server(deployment: Deployment) -> Iterator[LocalServer]:
    """The console with its alert worker on, one try per channel, looking often."""
    srv = LocalServer(
        deployment,
        CONSOLE_ALERT_WORKER="on",
        CONSOLE_ALERT_ATTEMPTS_PER_CHANNEL="1",
        CONSOLE_ALERT_LOOK_SECONDS="0.1",
    ).start()
    try:
        yield srv
    finally:
        srv.stop()


def _until(check: object, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_a_failed_page_is_resent_from_the_delivery_log_and_delivered(
    server: LocalServer, open_page: OpenPage
) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    port = free_port()
    gateway_url = f"json://127.0.0.1:{port}/sms"  # nothing listens: connection refused
    Api(server, "admin").ok("alert.set_channels", {"person_id": "leader", "channels": [gateway_url]})
    incident_id = sit_in(duty)

    def failed() -> bool:
        rows = duty.get(f"/api/incidents/{incident_id}/alerts").json()["attempts"]
        mine = [r for r in rows if r["person_id"] == "leader"]
        return bool(mine) and any(r["resendable"] for r in mine)

    _until(failed, "the leader's page failed")
    log = open_page("duty", LAPTOP, "/")
    log.goto(server.base + f"/incidents/{incident_id}/alerts")
    row = log.locator("table.alerts-log tbody tr", has=log.locator("button.resend")).first
    expect(row).to_contain_text("发送失败")
    expect(row).to_contain_text("李书记")  # the person's name, not their id
    expect(row).to_contain_text("短信/语音网关或 webhook")
    # what the failure means, in Chinese, then apprise's own line for whoever set up the gateway
    expect(row.locator(".reason")).to_contain_text("无法连接对方服务")
    expect(row.locator(".reason small.apprise")).to_contain_text("Connection error")
    for size, name in ((LAPTOP, "laptop"), (TABLET_LANDSCAPE, "tablet"), (PHONE, "phone")):
        log.set_viewport_size(size)
        screenshot(log, f"alerts-log-resend-{name}")
    log.set_viewport_size(LAPTOP)

    gateway = start_http_receiver(port)  # the gateway is back
    try:
        row.locator("button.resend").click()
        resent = log.locator("table.alerts-log tbody tr", has=log.locator("small.resent"))
        expect(resent).to_have_count(1, timeout=30_000)  # the page reloads once the worker recorded it
        expect(resent).to_contain_text("已送达")
        expect(resent).to_contain_text("要求重新发送")
        screenshot(log, "alerts-log-resent")
        [body] = gateway.bodies("sms")
    finally:
        gateway.server.shutdown()
        gateway.server.server_close()
    rows = duty.get(f"/api/incidents/{incident_id}/alerts").json()["attempts"]
    [again] = [r for r in rows if r["resend"]]
    assert again["state"] == "delivered" and again["dedupe_key"] in body
    expect(resent).to_contain_text(f"由{again['resent_by']}要求重新发送")  # who asked, by name
    assert again["resend_of"] in {r["dedupe_key"] for r in rows if r["state"] == "failed"}

    # A second tap on a page that is no longer failed is refused with the reason, changing nothing.
    refused = duty.command("alert.resend", {"outbox_id": again["dedupe_key"]}).json()
    assert refused["ok"] is False and refused["error"]["message"] == "只有发送失败的消息可以重新发送"
