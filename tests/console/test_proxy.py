"""The shipped proxy configuration, tested: PostgreSQL, two replicas, Debian's nginx with deploy/nginx.conf.

nginx runs from the very file docker-compose.yml mounts, with only the replicas' addresses and the listen
address substituted; the main configuration around it (pid, logs, temp paths in the test's directory)
stands in for the one the nginx image ships. Fifty tablets stay connected through it while a writer
sends commands and retries each one with the same id until it is acknowledged, as the browser client
does. One replica is killed (SIGKILL) and restarted as a service manager would, then the other; then a
rolling upgrade as docs/deploy.md describes it (SIGTERM one, start it again, reload the proxy, then the
other). After every step: the clients that were cut are back within 1 s at the 99th percentile, no
handshake is refused after a client's first retry, and in the end no command was lost or applied twice
and every tablet saw every event once, in order.

Skipped without nginx (or PostgreSQL) unless CONSOLE_REQUIRE_NGINX=1 (CI) makes that a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from support import (
    ROOT,
    STOP_SECONDS,
    Deployment,
    Server,
    Template,
    free_port,
    pg_available,
    server_events,
)

NGINX_CONF = ROOT / "deploy" / "nginx.conf"
LIVE_JS = ROOT / "console" / "web" / "static" / "js" / "live.js"
TABLETS = 50
# What the issue asks of a failover, from the signal to a cut client's next frame from a replica.
FAILOVER_P99_SECONDS = 1.0
PASSWORD = "correct horse battery"


def _nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found:
        return found
    if os.environ.get("CONSOLE_REQUIRE_NGINX") == "1":
        pytest.fail("nginx is required (CONSOLE_REQUIRE_NGINX=1) but is not installed")
    pytest.skip("nginx not installed (apt-get install nginx-light)")


def _retry_policy() -> tuple[float, float]:
    """The browser client's first and largest reconnect delay (live.js), in seconds: the tablets here
    reconnect exactly as the shipped client does."""
    text = LIVE_JS.read_text()
    first = re.search(r"const RETRY_FIRST = (\d+);", text)
    most = re.search(r"const RETRY_MAX = (\d+);", text)
    assert first and most, "live.js declares RETRY_FIRST and RETRY_MAX in milliseconds"
    return int(first.group(1)) / 1000, int(most.group(1)) / 1000


def proxy_site(upstreams: tuple[int, int], listen: int) -> str:
    """deploy/nginx.conf with the replicas' and the proxy's addresses replaced, and nothing else."""
    text = NGINX_CONF.read_text()
    for name, port in zip(("console1:8000", "console2:8000"), upstreams, strict=True):
        assert text.count(f"server {name}") == 1, f"deploy/nginx.conf names {name} once in its upstream"
        text = text.replace(f"server {name}", f"server 127.0.0.1:{port}")
    assert text.count("listen 80;") == 1, "deploy/nginx.conf listens on port 80 once"
    return text.replace("listen 80;", f"listen 127.0.0.1:{listen};")


class Nginx:
    """Debian's nginx in a prefix of its own (pid, logs and temp files in the test's directory)."""

    def __init__(self, binary: str, prefix: Path, site: str, port: int) -> None:
        self.binary, self.prefix, self.port = binary, prefix, port
        prefix.mkdir(parents=True, exist_ok=True)
        (prefix / "default.conf").write_text(site)
        # As root, nginx would run its workers as `nobody`, who cannot enter the test's private temp
        # directory where bodies and responses are buffered: keep them as the user running the test.
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = "".join(
            f"    {kind}_temp_path {prefix / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (prefix / "nginx.conf").write_text(
            f"{user}worker_processes 2;\npid {prefix / 'nginx.pid'};\n"
            f"error_log {prefix / 'error.log'} warn;\n"
            "events { worker_connections 1024; }\n"
            f"http {{\n    access_log {prefix / 'access.log'};\n{temp}"
            f"    include {prefix / 'default.conf'};\n}}\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def _args(self, *extra: str) -> list[str]:
        return [self.binary, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"), *extra]

    def start(self) -> Nginx:
        check = subprocess.run(
            self._args("-t", "-e", str(self.prefix / "error.log")), capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen(
            self._args("-e", str(self.prefix / "error.log"), "-g", "daemon off;"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.error_log()
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return self
            time.sleep(0.02)
        raise RuntimeError(f"nginx did not listen: {self.error_log()}")

    def reload(self) -> None:
        """What `nginx -s reload` does: new workers with the configuration read again."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text()[-3000:] if path.exists() else ""


@dataclass
class Cut:
    """One tablet's view of one disruption: when it was cut, its attempts, when it heard a replica again."""

    closed: float
    refused: list[int] = field(default_factory=list)  # which attempts (1 = the first retry) were refused
    first_frame: float | None = None
    live: float | None = None


class Tablet:
    """A client as the browser's live.js is: resumes from (epoch, position), reconnects with its backoff."""

    def __init__(self, url: str, cookie: str, policy: tuple[float, float], seed: int) -> None:
        self.url, self.cookie = url, cookie
        self.first_delay, self.max_delay = policy
        self.rng = random.Random(seed)
        self.epoch: str | None = None
        self.position: int | None = None
        self.positions: list[int] = []
        self.faults: list[str] = []
        self.cuts: list[Cut] = []
        self.live = False
        self.stopping = False
        self.ws: Any = None

    def _wait(self, delay: float) -> float:
        return delay * (0.5 + self.rng.random())  # live.js schedule(): spread over [delay/2, 3·delay/2)

    async def run(self) -> None:
        delay, attempt = self.first_delay, 0
        while not self.stopping:
            try:
                ws = await websockets.connect(
                    self.url, additional_headers={"Cookie": f"ic_session={self.cookie}"}, open_timeout=10
                )
            except (OSError, TimeoutError, websockets.InvalidHandshake) as exc:
                if self.cuts:
                    self.cuts[-1].refused.append(attempt)
                else:
                    self.faults.append(f"first connection refused: {exc!r}")
                attempt += 1
                await asyncio.sleep(self._wait(delay))
                delay = min(delay * 2, self.max_delay)
                continue
            self.ws = ws
            try:
                await ws.send(json.dumps({"type": "hello", "epoch": self.epoch, "position": self.position}))
                async for raw in ws:
                    await self._frame(json.loads(raw), ws)
                    if self.live:
                        delay, attempt = self.first_delay, 0
            except (websockets.ConnectionClosed, OSError):
                pass
            finally:
                self.live = False
                await ws.close()
            if self.stopping:
                return
            self.cuts.append(Cut(closed=time.monotonic()))
            attempt = 1
            await asyncio.sleep(self._wait(delay))
            delay = min(delay * 2, self.max_delay)

    async def _frame(self, frame: dict[str, Any], ws: Any) -> None:
        now = time.monotonic()
        cut = self.cuts[-1] if self.cuts else None
        if cut is not None and cut.first_frame is None:
            cut.first_frame = now
        kind = frame["type"]
        if kind == "welcome":
            if self.epoch is not None and frame["epoch"] != self.epoch:
                self.faults.append("epoch changed")
            self.epoch = frame["epoch"]
        elif kind == "snapshot":
            if self.position is not None:
                self.faults.append(f"snapshot on resume from {self.position}")
            self.position = frame["position"]
        elif kind == "event":
            if frame["position"] != (self.position or 0) + 1:
                self.faults.append(f"event {frame['position']} after {self.position}")
            self.position = frame["position"]
            self.positions.append(frame["position"])
        elif kind == "live":
            self.live = True
            if cut is not None and cut.live is None:
                cut.live = now
        elif kind == "ping":
            await ws.send('{"type":"pong"}')


class Writer:
    """A desk sending commands through the proxy, retrying each with the same id until acknowledged."""

    def __init__(self, base: str, cookie: str, csrf: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=base, cookies={"ic_session": cookie}, headers={"x-csrf-token": csrf}, timeout=10
        )
        self.sent: list[str] = []  # summaries of acknowledged commands, in order
        self.retries = 0
        self.refusals: dict[str, int] = {}
        self.stopping = False

    async def run(self) -> None:
        n = 0
        while not self.stopping:
            n += 1
            cid, summary = "w-" + uuid.uuid4().hex, f"proxy-{n}"
            envelope = {
                "id": cid,
                "name": "incident.register",
                "args": {"type": "sit_in", "place": "机关大门", "head_count": 40, "summary": summary},
            }
            while True:
                try:
                    r = await self.http.post("/api/commands", json=envelope)
                    if r.status_code == 200 and r.json()["ok"]:
                        break
                    why = str(r.status_code)
                except httpx.HTTPError as exc:
                    why = type(exc).__name__
                self.refusals[why] = self.refusals.get(why, 0) + 1
                self.retries += 1
                await asyncio.sleep(0.05)
            self.sent.append(summary)
            await asyncio.sleep(0.1)

    async def close(self) -> None:
        await self.http.aclose()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@pytest.fixture
def pg_deployment(tmp_path: Path, templates: Any) -> Iterator[Deployment]:
    if not pg_available():
        if os.environ.get("CONSOLE_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL is required (CONSOLE_REQUIRE_PG=1) but does not answer")
        pytest.skip("PostgreSQL not reachable")
    template: Template = templates.get("postgres")
    with template.copy(tmp_path) as url:
        yield Deployment(url=url, data_dir=tmp_path, extra={"CONSOLE_HEARTBEAT_SECONDS": "5"})


@dataclass
class Figure:
    """What one disruption did to the tablets it cut, in seconds from the signal."""

    what: str
    next_frame: list[float]
    live: list[float]
    refused: int
    writer_retries: int

    def __str__(self) -> str:
        def spread(values: list[float]) -> str:
            low, high = _percentile(values, 0.5), _percentile(values, 0.99)
            return f"p50 {low:.3f} p99 {high:.3f} max {max(values):.3f}"

        return (
            f"{self.what}: {len(self.live)} tablets cut; next frame {spread(self.next_frame)} s; "
            f"live {spread(self.live)} s; refused handshakes {self.refused}; "
            f"writer retries {self.writer_retries}"
        )


async def _disrupt(
    what: str, act: Any, tablets: list[Tablet], writer: Writer, figures: list[Figure]
) -> list[tuple[Tablet, Cut]]:
    """Run `act` (a signal to a replica) and wait until every tablet is live again; returns who was cut."""
    before = {id(t): len(t.cuts) for t in tablets}
    retries = writer.retries
    started = time.monotonic()
    await asyncio.to_thread(act)
    deadline = time.monotonic() + 20
    while True:
        cut = [t for t in tablets if len(t.cuts) > before[id(t)]]
        if cut and all(t.live for t in tablets) and all(t.cuts[-1].live is not None for t in cut):
            break
        assert time.monotonic() < deadline, f"{what}: tablets not live again: {sum(t.live for t in tablets)}"
        await asyncio.sleep(0.01)
    cuts = [(t, c) for t in tablets for c in t.cuts[before[id(t)] :]]
    figures.append(
        Figure(
            what,
            next_frame=[c.first_frame - started for _, c in cuts if c.first_frame is not None],
            live=[c.live - started for _, c in cuts if c.live is not None],
            refused=sum(len(c.refused) for _, c in cuts),
            writer_retries=writer.retries - retries,
        )
    )
    return cuts


async def test_clients_fail_over_through_the_shipped_proxy_when_a_replica_dies_or_restarts(
    pg_deployment: Deployment, tmp_path: Path
) -> None:
    binary = _nginx()
    policy = _retry_policy()
    # The tablets all sign in as one user: above the per-user connection limit of one replica.
    env = {"CONSOLE_POLL_SECONDS": "5", "CONSOLE_WS_PER_USER": str(2 * TABLETS)}
    one = Server(pg_deployment, **env)
    two = Server(pg_deployment, **env)
    port = free_port()
    proxy = Nginx(binary, tmp_path / "nginx", proxy_site((one.port, two.port), port), port)
    tablets: list[Tablet] = []
    tasks: list[asyncio.Task[None]] = []
    writer: Writer | None = None
    figures: list[Figure] = []
    baseline: list[Figure] = []
    try:
        # Inside the try: a replica that started is stopped even when the other one did not come up.
        await asyncio.gather(asyncio.to_thread(one.start), asyncio.to_thread(two.start))
        proxy.start()
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base) as http:
            r = await http.post("/api/login", json={"username": "duty", "password": PASSWORD})
            assert r.status_code == 200, r.text
            cookie, csrf = r.cookies["ic_session"], r.json()["csrf"]
            # The health check and the metrics are the operators', not the outside world's.
            assert (await http.get("/healthz")).status_code == 404
            assert (await http.get("/metrics")).status_code == 404
        tablets = [Tablet(f"ws://127.0.0.1:{port}/ws", cookie, policy, seed) for seed in range(TABLETS)]
        tasks = [asyncio.create_task(t.run()) for t in tablets]
        deadline = time.monotonic() + 30
        while not all(t.live for t in tablets):
            assert time.monotonic() < deadline, "tablets did not all go live through the proxy"
            await asyncio.sleep(0.01)
        writer = Writer(base, cookie, csrf)
        tasks.append(asyncio.create_task(writer.run()))

        async def written(more: int) -> None:
            assert writer is not None
            target = len(writer.sent) + more
            deadline = time.monotonic() + 20
            while len(writer.sent) < target:
                assert time.monotonic() < deadline, f"writer stuck: {writer.refusals}"
                await asyncio.sleep(0.01)

        def terminate(server: Server) -> Any:
            assert server.proc is not None
            return lambda: server.proc.send_signal(signal.SIGTERM)

        def upgraded(server: Server) -> None:
            assert server.proc is not None
            server.proc.wait(timeout=STOP_SECONDS)
            stopped = server.log.read_text()
            # uvicorn ends a graceful shutdown by raising the signal it caught again.
            assert server.proc.returncode in (0, -signal.SIGTERM), stopped[-3000:]
            assert "shutdown_phase_timed_out" not in stopped, "every shutdown phase ended when told to"
            server.start()
            proxy.reload()  # docs/deploy.md: the proxy re-reads the replicas' addresses

        cuts: list[tuple[Tablet, Cut]] = []
        await written(5)
        # What a reconnect costs on this machine right now, with both replicas up: each tablet's socket is
        # cut on the client's side. Printed with the figures (and with a failure), never asserted.
        loop = asyncio.get_running_loop()

        def drop_sockets() -> None:
            for t in tablets:
                loop.call_soon_threadsafe(t.ws.transport.abort)

        await _disrupt("baseline: tablets drop their own sockets", drop_sockets, tablets, writer, baseline)
        # A crash, restarted by the service manager, then the other one crashes: nothing is reloaded, so
        # whatever nginx remembers of the first crash is still in force for the second.
        cuts += await _disrupt("SIGKILL replica 1", one.kill, tablets, writer, figures)
        await asyncio.to_thread(one.start)
        await written(5)
        cuts += await _disrupt("SIGKILL replica 2", two.kill, tablets, writer, figures)
        await asyncio.to_thread(two.start)
        await written(5)
        # The rolling upgrade of docs/deploy.md: stop, start, reload the proxy; then the other replica.
        what = "rolling upgrade replica 1 (SIGTERM)"
        cuts += await _disrupt(what, terminate(one), tablets, writer, figures)
        await asyncio.to_thread(upgraded, one)
        await written(5)
        what = "rolling upgrade replica 2 (SIGTERM)"
        cuts += await _disrupt(what, terminate(two), tablets, writer, figures)
        await asyncio.to_thread(upgraded, two)
        await written(5)

        writer.stopping = True
        await asyncio.wait_for(tasks[-1], 30)
        log = server_events(one, cookie)
        head = log[-1]["position"]
        deadline = time.monotonic() + 20
        while not all(t.position == head for t in tablets):
            assert time.monotonic() < deadline, "tablets did not catch up with the log"
            await asyncio.sleep(0.01)
    finally:
        for t in tablets:
            t.stopping = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if writer is not None:
            await writer.close()
        proxy.stop()
        await asyncio.gather(asyncio.to_thread(one.stop), asyncio.to_thread(two.stop))
    print("\n" + "\n".join(str(f) for f in baseline + figures))
    print(f"writer: {len(writer.sent)} commands acknowledged, {writer.retries} retries {writer.refusals}")

    registered = [e["data"]["summary"] for e in log if e["event"] == "incident.registered"]
    assert sorted(registered) == sorted(writer.sent), "every acknowledged command is in the log exactly once"
    assert len(set(registered)) == len(registered)
    for t in tablets:
        assert not t.faults, t.faults
        assert t.positions == sorted(set(t.positions)), "no tablet saw an event twice or out of order"
    assert len(cuts) >= TABLETS, "every tablet was cut at least once"
    late = [c.refused for _, c in cuts if any(a > 1 for a in c.refused)]
    assert not late, f"handshakes refused after a client's first retry: {late[:5]} ({len(late)} clients)"
    # The one timing the issue fixes: signal to a cut tablet's next frame, 1 s at the 99th percentile on a
    # quiet machine (0.3-0.5 s measured alone). Under the suite's other workers the load comes and goes
    # within the test, so there only a gross regression fails it: twice the limit, or half again the
    # same run's baseline (tablets reconnecting to a healthy replica) if that is more.
    assert all(c.first_frame is not None for _, c in cuts)
    quiet = os.getloadavg()[0] <= (os.cpu_count() or 1)
    allowed = max(
        FAILOVER_P99_SECONDS if quiet else 2 * FAILOVER_P99_SECONDS,
        1.5 * _percentile(baseline[0].next_frame, 0.99),
    )
    for figure in figures:
        assert len(figure.next_frame) == len(figure.live), figure
        assert _percentile(figure.next_frame, 0.99) <= allowed, f"{figure}\n{baseline[0]}"


def test_the_compose_file_mounts_the_tested_proxy_configuration() -> None:
    """One file, not two copies: what compose gives nginx is what the test above starts nginx from."""
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in compose
    assert sorted(p.name for p in (ROOT / "deploy").glob("*.conf")) == ["nginx.conf"]
