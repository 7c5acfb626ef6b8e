"""The signed acknowledge link through the real web stack: genuine once, then refused; forged, expired
and hammered links acknowledge nothing."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
from alert_console import AlertConsole
from alert_receivers import HttpReceiver
from support import Deployment, LocalServer, login

from alerts.links import make_token


def _link(body: str) -> str:
    found = re.search(r"http://console\.test(/a/[A-Za-z0-9_\-.]+)", body)
    assert found, body
    return found.group(1)


async def test_the_link_acknowledges_once_and_forged_expired_or_reused_links_acknowledge_nothing(
    console: AlertConsole, receiver: HttpReceiver, alert_deployment: Deployment
) -> None:
    admin = await console.actor("admin")
    await console.ok(
        "alert.set_channels",
        {"person_id": "leader", "channels": [receiver.url("json", "link-leader")]},
        admin,
    )
    await console.sit_in()
    await console.drain()
    [body] = receiver.bodies("link-leader")[-1:]
    path = _link(body)
    [alert] = await console.alert_rows()
    secret = alert_deployment.settings.secret_key
    server = await asyncio.to_thread(lambda: LocalServer(alert_deployment).start())
    try:
        base = server.base

        def post(p: str) -> httpx.Response:
            return httpx.post(base + p, timeout=30)

        forged = await asyncio.to_thread(post, path[:-3] + "xyz")
        assert forged.status_code == 400 and "该链接无效" in forged.text
        someone_else = make_token(
            "not-the-key", alert.id, "leader", "webhook", console.clock.now(), timedelta(hours=1)
        )
        assert (await asyncio.to_thread(post, "/a/" + someone_else)).status_code == 400
        expired = make_token(secret, alert.id, "leader", "webhook", console.clock.now(), timedelta(hours=-1))
        assert (await asyncio.to_thread(post, "/a/" + expired)).status_code == 410
        [still] = await console.alert_rows()
        assert still.state == "open"

        shown = await asyncio.to_thread(lambda: httpx.get(base + path, timeout=30))
        assert shown.status_code == 200 and "我已收到" in shown.text  # opening it acknowledges nothing
        assert (await console.alert_rows())[0].state == "open"

        done = await asyncio.to_thread(post, path)
        assert done.status_code == 200 and "已确认收到" in done.text
        [acked] = await console.alert_rows()
        assert acked.state == "acknowledged" and acked.acked_by == "leader"
        [page] = await console.pages("leader")
        assert page.ack_route == "link"

        reused = await asyncio.to_thread(post, path)
        assert reused.status_code == 409 and "该链接已使用过" in reused.text

        statuses = [(await asyncio.to_thread(post, f"/a/forged-{i}")).status_code for i in range(12)]
        assert statuses[-1] == 429  # rate-limited per address

        # 发送测试消息 from the person's own page; someone else may not, and sees the channel masked.
        def as_user(name: str, method: str, p: str) -> httpx.Response:
            cookie, csrf = login(server, name)
            return httpx.request(
                method, base + p, cookies={"ic_session": cookie}, headers={"x-csrf-token": csrf}, timeout=30
            )

        tested = await asyncio.to_thread(as_user, "leader", "POST", "/api/people/leader/channels/0/test")
        assert tested.status_code == 200 and tested.json()["delivered"] is True
        assert any("测试消息" in b for b in receiver.bodies("link-leader"))
        refused = await asyncio.to_thread(as_user, "duty", "POST", "/api/people/leader/channels/0/test")
        assert refused.status_code == 404
        shown = await asyncio.to_thread(as_user, "duty", "GET", "/api/people/leader/channels")
        assert "link-leader" not in shown.text and shown.json()["channels"][0]["kind"] == "webhook"
        full = await asyncio.to_thread(as_user, "admin", "GET", "/api/people/leader/channels")
        assert "link-leader" in full.json()["channels"][0]["url"]
    finally:
        await asyncio.to_thread(server.stop)
