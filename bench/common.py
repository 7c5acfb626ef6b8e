"""Shared parts of the benchmarks: child processes, servers, scratch databases, statistics and tables.

Every process a benchmark starts is registered here and stopped in a `finally` (and, should the bench
itself be killed, asked to die with it through PR_SET_PDEATHSIG). Temporary directories and scratch
PostgreSQL databases are removed the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import math
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
PG_ADMIN_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
DEMO_PASSWORD = "demo-2026"
# The demo users the fan-out clients sign in as: two visibility views ("staff" and "responder").
CLIENT_USERS = ("leader", "responder", "duty", "inspector", "reviewer")

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1
_libc: Any = None


def log(message: str) -> None:
    """Progress goes to stderr; the tables go to stdout."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def die_with_parent() -> None:
    """Ask the kernel to SIGTERM this process when its parent dies (Linux only; best effort)."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def raise_nofile() -> int:
    """Raise the soft open-files limit to the hard one (1,000 sockets need more than 1,024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on uvloop when available (uvicorn uses it for the console too), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def fmt(value: float | int | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table, first column left-aligned and the rest right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]))
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


# --- child processes -------------------------------------------------------------------------------


def _preexec() -> None:
    die_with_parent()


@dataclass
class Child:
    """A server process started by the bench, with its log file."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    _log: Any = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not gone within 10 s."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                self.proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None


def spawn(name: str, args: list[str], env: dict[str, str], log_path: Path) -> Child:
    log_file = open(log_path, "ab")  # closed by Child.stop
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        preexec_fn=_preexec,  # only a prctl call
    )
    return Child(name, proc, log_path, log_file)


def wait_until(check: Any, child: Child, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            raise RuntimeError(
                f"{child.name} exited ({child.proc.returncode}) before {what}:\n{child.tail()}"
            )
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    raise RuntimeError(f"{child.name}: timed out waiting for {what}:\n{child.tail()}")


@contextlib.contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    # Under the system temp dir (ext4 here, so fsync is real, unlike tmpfs).
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- PostgreSQL scratch databases ---------------------------------------------------------------------


def pg_dsn(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base}/{name}"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def pg_scratch_database() -> Iterator[str]:
    """A fresh database `bench_<random>` on the local PostgreSQL, dropped afterwards; yields its DSN."""
    name = f"bench_{secrets.token_hex(6)}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_dsn(name)
    finally:
        try:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except Exception as exc:
            log(f"could not drop scratch database {name}: {exc!r}")


def pg_available() -> str | None:
    """None if the local PostgreSQL answers, else why not."""
    try:
        asyncio.run(_pg_admin("SELECT 1"))
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


# --- the console server ---------------------------------------------------------------------------


@dataclass
class ConsoleServer:
    child: Child
    port: int

    @property
    def http(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://{HOST}:{self.port}/ws"

    def login(self, username: str) -> str:
        """Sign in as a demo user; returns the Cookie header value carrying the session."""
        with httpx.Client(base_url=self.http, trust_env=False, timeout=30) as client:
            r = client.post("/api/login", json={"username": username, "password": DEMO_PASSWORD})
            r.raise_for_status()
            token = r.cookies.get("ic_session")
        if not token:
            raise RuntimeError(f"login as {username} gave no session cookie")
        return f"ic_session={token}"


def console_env(data_dir: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",) and not k.startswith("CONSOLE_")}
    env.update(
        {
            "CONSOLE_DATA_DIR": str(data_dir),
            "PYTHONUNBUFFERED": "1",
            "NO_PROXY": "*",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


@contextlib.contextmanager
def console_server(
    data_dir: Path, database_url: str | None = None, **settings: str
) -> Iterator[ConsoleServer]:
    """migrate + seed-demo + serve on a free port; stopped (SIGTERM, then SIGKILL) on leaving."""
    with prepared_console_server(data_dir, database_url, None, settings) as server:
        yield server


@contextlib.contextmanager
def prepared_console_server(
    data_dir: Path,
    database_url: str | None,
    prepare: Callable[[dict[str, str]], None] | None,
    settings: dict[str, str],
) -> Iterator[ConsoleServer]:
    """As console_server, with `prepare(env)` run after seed-demo, before the server starts."""
    env = console_env(data_dir, database_url, **settings)
    for step in ("migrate", "seed-demo"):
        done = subprocess.run(
            [PYTHON, "-m", "console", step],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"console {step} failed:\n{done.stdout.decode()}\n{done.stderr.decode()}")
    if prepare is not None:
        prepare(env)
    port = free_port()
    child = spawn(
        "console",
        [PYTHON, "-m", "console", "serve", "--host", HOST, "--port", str(port)],
        env,
        data_dir / "server.log",
    )
    try:
        server = ConsoleServer(child, port)

        def healthy() -> bool:
            return httpx.get(f"{server.http}/healthz", timeout=2, trust_env=False).status_code == 200

        wait_until(healthy, child, 60, "/healthz")
        yield server
    finally:
        child.stop()


@contextlib.contextmanager
def bare_server(log_dir: Path) -> Iterator[tuple[Child, str]]:
    """The bare `websockets` broadcast server (bench/bare.py) on a free port; yields (child, ws url)."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = spawn("bare", [PYTHON, "-m", "bench.bare", "--port", str(port)], env, log_dir / "bare.log")
    try:

        def listening() -> bool:
            with socket.create_connection((HOST, port), timeout=1):
                return True

        wait_until(listening, child, 30, "listening")
        yield child, f"ws://{HOST}:{port}/ws"
    finally:
        child.stop()
