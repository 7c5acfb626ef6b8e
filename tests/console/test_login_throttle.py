"""The login throttle: per (user name, address) with growing delays, a limit per address, the user's own
device never locked out by strangers, and the same limit whatever the number of processes."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import PASSWORD, Deployment, LocalServer, Template, pg_available

from console.auth import Limit, ThrottleRules, throttle_keys, throttle_wait

RULES = ThrottleRules()


@pytest.mark.parametrize(
    ("failures", "now", "wait"),
    [
        ({}, 100.0, 0),
        ({"pair:duty|10.0.0.1": (4, 100.0)}, 100.0, 0),  # four failures are free
        ({"pair:duty|10.0.0.1": (5, 100.0)}, 100.0, 15),  # the fifth makes the sixth wait
        ({"pair:duty|10.0.0.1": (5, 100.0)}, 110.0, 5),
        ({"pair:duty|10.0.0.1": (5, 100.0)}, 115.0, 0),
        ({"pair:duty|10.0.0.1": (6, 100.0)}, 100.0, 30),  # and each further one doubles it
        ({"pair:duty|10.0.0.1": (8, 100.0)}, 100.0, 120),
        ({"pair:duty|10.0.0.1": (40, 100.0)}, 100.0, 900),  # up to 15 minutes
        ({"addr:10.0.0.1": (19, 100.0)}, 100.0, 0),  # an address may fail 19 times over any names
        ({"addr:10.0.0.1": (20, 100.0)}, 100.0, 60),
        ({"pair:duty|10.0.0.1": (2, 100.0), "addr:10.0.0.1": (21, 100.0)}, 100.0, 120),
        ({"device:abc": (5, 100.0)}, 100.0, 15),
        ({"device:abc": (4, 100.0)}, 100.0, 0),
    ],
)
def test_how_long_an_attempt_waits(failures: dict[str, tuple[int, float]], now: float, wait: int) -> None:
    assert throttle_wait(failures, now, RULES) == wait


def test_an_attempt_from_a_known_device_is_counted_on_its_own() -> None:
    assert throttle_keys("Duty", "10.0.0.1", None) == ["pair:duty|10.0.0.1", "addr:10.0.0.1"]
    assert throttle_keys("Duty", "10.0.0.1", "abc") == ["device:abc"]
    assert Limit(free=1, first=1.0, most=5.0).wait(10_000) == 5.0  # no overflow for a long siege


def _attempt(server: LocalServer, name: str, password: str, address: str, **cookies: str) -> httpx.Response:
    return httpx.post(
        server.base + "/api/login",
        json={"username": name, "password": password},
        headers={"x-forwarded-for": address, "accept-language": "en"},
        cookies=cookies,
    )


@pytest.fixture
def clock_file(tmp_path: Path) -> Path:
    path = tmp_path / "clock"
    path.write_text("0")
    return path


def _advance(clock_file: Path, seconds: float) -> None:
    clock_file.write_text(str(float(clock_file.read_text()) + seconds))
    os.utime(clock_file, ns=(0, os.stat(clock_file).st_mtime_ns + 1_000_000))


def test_a_name_from_an_address_waits_longer_with_each_failure(
    deployment: Deployment, clock_file: Path
) -> None:
    server = LocalServer(deployment, CONSOLE_CLOCK_FILE=str(clock_file)).start()
    try:
        for _ in range(5):
            assert _attempt(server, "duty", "wrong", "10.1.0.1").status_code == 401
        r = _attempt(server, "duty", PASSWORD, "10.1.0.1")
        assert r.status_code == 429 and "15 seconds" in r.json()["error"]["message"]
        # Another name from the same address, and the same name from another address, still may try.
        assert _attempt(server, "leader", PASSWORD, "10.1.0.1").status_code == 200
        assert _attempt(server, "duty", PASSWORD, "10.1.0.2").status_code == 200
        _advance(clock_file, 16)
        assert _attempt(server, "duty", "wrong", "10.1.0.1").status_code == 401
        r = _attempt(server, "duty", PASSWORD, "10.1.0.1")
        assert r.status_code == 429 and "30 seconds" in r.json()["error"]["message"]
        _advance(clock_file, 31)
        assert _attempt(server, "duty", PASSWORD, "10.1.0.1").status_code == 200
        # The right password starts that name from that address afresh.
        for _ in range(4):
            assert _attempt(server, "duty", "wrong", "10.1.0.1").status_code == 401
        assert _attempt(server, "duty", PASSWORD, "10.1.0.1").status_code == 200
    finally:
        server.stop()


def test_an_address_guessing_across_names_is_stopped(deployment: Deployment) -> None:
    server = LocalServer(deployment).start()
    try:
        for n in range(20):
            assert _attempt(server, f"nobody{n}", "wrong", "10.2.0.1").status_code == 401
        r = _attempt(server, "duty", PASSWORD, "10.2.0.1")
        assert r.status_code == 429 and r.json()["error"]["code"] == "login_throttled"
        assert _attempt(server, "duty", PASSWORD, "10.2.0.2").status_code == 200
    finally:
        server.stop()


def test_strangers_never_lock_a_user_out_of_their_usual_device(deployment: Deployment) -> None:
    server = LocalServer(deployment).start()
    try:
        first = _attempt(server, "duty", PASSWORD, "10.3.0.1")
        assert first.status_code == 200
        device = first.cookies["ic_device"]
        # Strangers guess the duty officer's password from everywhere, the officer's own address included
        # (a shared NAT), for longer than any limit.
        for n in range(25):
            _attempt(server, "duty", "wrong", f"10.3.1.{n}")
            _attempt(server, "duty", "wrong", "10.3.0.1")
        assert _attempt(server, "duty", PASSWORD, "10.3.0.1").status_code == 429  # no device: throttled
        r = _attempt(server, "duty", PASSWORD, "10.3.0.1", ic_device=device)
        assert r.status_code == 200, r.text
        assert "ic_device" not in r.cookies, "a known device keeps its cookie"
        # The device cookie is the user's: it does not spare another name from the throttle.
        for _ in range(5):
            _attempt(server, "leader", "wrong", "10.3.2.1")
        assert _attempt(server, "leader", PASSWORD, "10.3.2.1", ic_device=device).status_code == 429
        # And it is throttled itself, by the failures made with it.
        for _ in range(5):
            assert _attempt(server, "duty", "wrong", "10.3.0.1", ic_device=device).status_code == 401
        assert _attempt(server, "duty", PASSWORD, "10.3.0.1", ic_device=device).status_code == 429
    finally:
        server.stop()


@pytest.fixture
def pg_deployment(tmp_path: Path, templates: Any) -> Iterator[Deployment]:
    if not pg_available():
        if os.environ.get("CONSOLE_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL is required (CONSOLE_REQUIRE_PG=1) but does not answer")
        pytest.skip("PostgreSQL not reachable")
    template: Template = templates.get("postgres")
    with template.copy(tmp_path) as url:
        yield Deployment(url=url, data_dir=tmp_path)


async def test_the_limit_is_the_limit_whatever_the_number_of_processes(pg_deployment: Deployment) -> None:
    servers = [LocalServer(pg_deployment).start(), LocalServer(pg_deployment).start()]
    try:
        # One after the other, alternating between the replicas: the sixth attempt is refused.
        for n in range(5):
            assert _attempt(servers[n % 2], "duty", "wrong", "10.4.0.1").status_code == 401
        for server in servers:
            assert _attempt(server, "duty", PASSWORD, "10.4.0.1").status_code == 429
        # All at once, on both: attempts in flight count against each other, so no more than five get
        # to have their password checked.
        async with httpx.AsyncClient() as http:

            async def guess(n: int) -> int:
                r = await http.post(
                    servers[n % 2].base + "/api/login",
                    json={"username": "leader", "password": "wrong"},
                    headers={"x-forwarded-for": "10.4.0.2"},
                )
                return r.status_code

            codes = await asyncio.gather(*(guess(n) for n in range(16)))
        # The limit is what holds: attempts in flight count against each other, so when all sixteen are
        # in flight before any is checked, all may be refused — never more than five are checked.
        assert set(codes) <= {401, 429} and 429 in codes, codes
        assert codes.count(401) <= 5, codes
    finally:
        for server in servers:
            server.stop()
