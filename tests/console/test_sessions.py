"""Sessions: cookies, logout and expiry closing live connections (in every process), login throttling."""

from __future__ import annotations

import asyncio

import httpx
from support import PASSWORD, Deployment, LiveClient, LocalServer, Served, Server, login, start_all


def test_session_cookie_is_http_only_strict_and_secure_when_configured(deployment: Deployment) -> None:
    server = Server(deployment, CONSOLE_COOKIE_SECURE="true").start()
    try:
        r = httpx.post(server.base + "/api/login", json={"username": "duty", "password": PASSWORD})
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
        assert PASSWORD not in server.log.read_text()
    finally:
        server.stop()


async def test_logout_closes_the_users_live_connections_in_every_process(deployment: Deployment) -> None:
    one, two = start_all(Server(deployment), Server(deployment))
    try:
        cookie, csrf = login(one, "duty")
        here, there = LiveClient(one.ws_url, cookie), LiveClient(two.ws_url, cookie)
        other_cookie, _ = login(one, "leader")
        bystander = LiveClient(one.ws_url, other_cookie)
        for c in (here, there, bystander):
            await c.connect()
        r = httpx.post(
            one.base + "/api/logout", cookies={"ic_session": cookie}, headers={"x-csrf-token": csrf}
        )
        assert r.status_code == 200
        for _ in range(100):
            if here.closed_with and (there.closed_with or not deployment.url.startswith("postgresql")):
                break
            await asyncio.sleep(0.05)
        assert here.closed_with == 4410
        if deployment.url.startswith("postgresql"):
            assert there.closed_with == 4410  # told through PostgreSQL
        assert bystander.closed_with is None
        again = httpx.get(one.base + "/api/incidents", cookies={"ic_session": cookie})
        assert again.status_code == 401 and again.json()["error"]["code"] == "session_expired"
        for c in (here, there, bystander):
            await c.close()
    finally:
        one.stop()
        two.stop()


async def test_an_expired_session_closes_its_connection(deployment: Deployment) -> None:
    server = LocalServer(deployment, CONSOLE_SESSION_HOURS="0.0006", CONSOLE_HEARTBEAT_SECONDS="0.3").start()
    try:
        cookie, _ = login(server, "duty")
        client = LiveClient(server.ws_url, cookie)
        await client.connect()
        for _ in range(100):
            if client.closed_with:
                break
            await asyncio.sleep(0.1)
        assert client.closed_with == 4410
        r = httpx.get(server.base + "/api/incidents", cookies={"ic_session": cookie})
        assert r.status_code == 401 and r.json()["error"]["code"] == "session_expired"
        await client.close()
    finally:
        server.stop()


def test_repeated_failures_throttle_logins_with_a_translated_message(server: Served) -> None:
    for _ in range(5):
        r = httpx.post(server.base + "/api/login", json={"username": "duty", "password": "wrong"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "login_failed"
    r = httpx.post(
        server.base + "/api/login",
        json={"username": "duty", "password": PASSWORD},
        headers={"accept-language": "en"},
    )
    assert r.status_code == 429 and "Too many failed logins" in r.json()["error"]["message"]
    # the throttle counts a name from an address: another name from the same machine is not held up by
    # these failures (the address has a limit of its own, tests/console/test_login_throttle.py)
    r = httpx.post(server.base + "/api/login", json={"username": "leader", "password": PASSWORD})
    assert r.status_code == 200
