"""Real parts for tests: scratch databases, a console server process on a free port, a live client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import httpx
import websockets

from console.settings import MIN_PASSWORD_MEMORY_KIB

# Tests speak plain HTTP to 127.0.0.1. httpx's top-level calls (httpx.get, …) make a client each, and each
# client loads the CA bundle into a TLS context of its own: ~50 ms of CPU per call for a context no request
# uses. Helpers called in loops (logins, health polls, reads, the scene-setting APIs) hand httpx this one,
# made once; each call still gets a fresh client, connection and cookie jar.
PLAIN_HTTP = ssl.create_default_context()
PG_ADMIN = os.environ.get("CONSOLE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
# Longer than the server's own bounded shutdown (graceful close, then each runtime phase).
STOP_SECONDS = 45


def pg_available() -> bool:
    import asyncpg

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(PG_ADMIN, timeout=3)
        except Exception:
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


def _pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name


def _pg_admin(*statements: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@contextmanager
def scratch_database(backend: str, tmp: Path) -> Iterator[str]:
    """A fresh, empty database for one test: a SQLite file, or a new PostgreSQL database dropped after."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp / 'console.db'}"
        return
    name = "ic_test_" + uuid.uuid4().hex[:12]
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Every column of every table and index in the public schema: a copy whose shape differs from the
# template's (a test migrated it, or altered a table) is not put back.
_PG_SHAPE = """
SELECT md5(coalesce(string_agg(
    c.relname || ':' || c.relkind::text || ':' || a.attname || ':' || a.atttypid::text
        || ':' || a.attnotnull::text,
    ',' ORDER BY c.relname, a.attnum), ''))
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
"""


@dataclass
class _PgShape:
    """What a PostgreSQL template holds: its tables, sequences and rows, and its shape."""

    tables: list[str]
    sequences: dict[str, tuple[int, bool]]  # name -> (last_value, is_called), for setval
    rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
    shape: str

    @staticmethod
    async def of(template: str) -> _PgShape:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/" + template)
        try:
            public = "WHERE schemaname = 'public' ORDER BY 1"
            tables = [r[0] for r in await conn.fetch(f"SELECT tablename FROM pg_tables {public}")]
            sequences: dict[str, tuple[int, bool]] = {}
            for (sequence,) in await conn.fetch(f"SELECT sequencename FROM pg_sequences {public}"):
                value = await conn.fetchrow(f'SELECT last_value, is_called FROM "{sequence}"')
                sequences[sequence] = (value["last_value"], value["is_called"])
            rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
            for table in tables:
                found = await conn.fetch(f'SELECT * FROM "{table}"')
                if found:
                    rows[table] = (list(found[0].keys()), [tuple(r) for r in found])
            return _PgShape(tables, sequences, rows, await conn.fetchval(_PG_SHAPE))
        finally:
            await conn.close()

    async def reset(self, name: str) -> bool:
        import asyncpg

        admin = await asyncpg.connect(PG_ADMIN)
        try:
            # What DROP DATABASE … WITH (FORCE) would do: a server the test killed, or one still closing,
            # leaves no session behind to hold a lock or see the reset.
            await admin.execute(
                "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
        finally:
            await admin.close()
        conn = await asyncpg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/" + name)
        try:
            if await conn.fetchval(_PG_SHAPE) != self.shape:
                return False
            async with conn.transaction():
                # Rows go in any order: foreign keys are not checked while the copy is emptied and refilled.
                await conn.execute("SET LOCAL session_replication_role = replica")
                await conn.execute("".join(f'DELETE FROM "{t}";' for t in self.tables))
                for sequence, (value, called) in self.sequences.items():
                    await conn.execute("SELECT setval($1::regclass, $2, $3)", f'"{sequence}"', value, called)
                for table, (columns, records) in self.rows.items():
                    await conn.copy_records_to_table(table, records=records, columns=columns)
            return True
        finally:
            await conn.close()


class Template:
    """A database migrated once (with some users), copied for each test that wants one like it.

    A copy is a database of its own: it gets a new epoch, as a freshly migrated database would.
    SQLite copies the file (the backup API, so a WAL left behind is included). PostgreSQL copies with
    `CREATE DATABASE … TEMPLATE …` (1-2 s with its drop, most of a short PostgreSQL test) the first
    time; a copy a test has finished with is put back as the template has it, for the next test of this
    session: every row deleted, the sequences restarted and the template's rows written again (~30 ms),
    after every connection to it is ended. A copy whose tables or columns a test changed is dropped
    instead. Names carry the xdist worker, so parallel sessions never share one.
    """

    def __init__(self, backend: str, directory: Path, users: dict[str, str]) -> None:
        self.backend = backend
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.name = f"ic_tpl_{worker}_{uuid.uuid4().hex[:8]}"
        self.path = directory / f"{self.name}.db"
        self.free: list[str] = []  # PostgreSQL copies put back as the template has them
        self._shape: _PgShape | None = None
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{self.path}"
        else:
            _pg_admin(f'CREATE DATABASE "{self.name}"')
            url = _pg_url(self.name)
        try:
            dep = Deployment(url=url, data_dir=directory)
            dep.migrate()
            dep.add_users(users)
        except BaseException:
            self.drop()
            raise

    @contextmanager
    def copy(self, tmp: Path) -> Iterator[str]:
        """A copy of the template for one test; a PostgreSQL copy is dropped afterwards."""
        epoch = uuid.uuid4().hex
        if self.backend == "sqlite":
            import sqlite3

            target = tmp / "console.db"
            with contextlib.closing(sqlite3.connect(self.path)) as src:
                with contextlib.closing(sqlite3.connect(target)) as dst:
                    src.backup(dst)
                    dst.execute("UPDATE meta SET value = ? WHERE key = 'epoch'", (epoch,))
                    dst.commit()
            yield f"sqlite+aiosqlite:///{target}"
            return
        import asyncpg

        if self.free:
            name = self.free.pop()
        else:
            name = "ic_test_" + uuid.uuid4().hex[:12]
            _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        reusable = False
        try:

            async def renew_epoch() -> None:
                conn = await asyncpg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/" + name)
                try:
                    await conn.execute("UPDATE meta SET value = $1 WHERE key = 'epoch'", epoch)
                finally:
                    await conn.close()

            asyncio.run(renew_epoch())
            yield _pg_url(name)
            reusable = self._put_back(name)
        finally:
            if reusable:
                self.free.append(name)
            else:
                _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _put_back(self, name: str) -> bool:
        """Make a finished copy what the template is again; False (and it is dropped) if it cannot be."""
        try:
            if self._shape is None:
                self._shape = asyncio.run(_PgShape.of(self.name))
            return asyncio.run(self._shape.reset(name))
        except Exception:
            logging.getLogger(__name__).warning("copy %s not reusable", name, exc_info=True)
            return False

    def drop(self) -> None:
        if self.backend == "sqlite":
            self.path.unlink(missing_ok=True)
        else:
            while self.free:
                _pg_admin(f'DROP DATABASE IF EXISTS "{self.free.pop()}" WITH (FORCE)')
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `python -m console …` with this environment."""
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


@dataclass
class Ran:
    """What a command line run said: its exit status and what it printed (as CompletedProcess has)."""

    returncode: int
    stdout: str
    stderr: str


def cli_in_process(env: dict[str, str], *args: str, capture: Any, monkeypatch: Any) -> Ran:
    """Run the console's command line (`console.cli.main`) in this process with exactly this
    environment's CONSOLE_* settings: the same parser, settings and commands as `python -m console …`,
    without a Python start and the console's imports each time. `capture` is pytest's capsys and
    `monkeypatch` its monkeypatch (the environment is put back after the test); a test that is about
    the process itself (its entry point, its exit on a signal) uses `cli`."""
    from console.cli import main

    for key in [k for k in os.environ if k.startswith("CONSOLE_") or k == "DATABASE_URL"]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith("CONSOLE_") or key == "DATABASE_URL":
            monkeypatch.setenv(key, value)
    capture.readouterr()  # what was printed before belongs to no run
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse: --help, a bad argument
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception:  # what Python does with an uncaught exception: the traceback, status 1
        traceback.print_exc()
        code = 1
    out = capture.readouterr()
    return Ran(code, out.out, out.err)


@dataclass
class Deployment:
    """One database and the settings every server process of a test shares."""

    url: str
    data_dir: Path
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONSOLE_")}
        env.update(
            DATABASE_URL=self.url,
            CONSOLE_DATA_DIR=str(self.data_dir),
            CONSOLE_SECRET_KEY="test-secret-key",
            CONSOLE_LOG_LEVEL="WARNING",
            # The least argon2 allows: logins stay real, hashing stops dominating every fixture.
            CONSOLE_PASSWORD_TIME_COST="1",
            CONSOLE_PASSWORD_MEMORY_KIB=str(MIN_PASSWORD_MEMORY_KIB),
            # The alert worker appends events of its own (attempts, escalations) whenever it likes: tests
            # that count the log's events would see them; the alerts tests turn it on where they need it.
            CONSOLE_ALERT_WORKER="off",
            # apprise on the worker's threads, not in sending processes of its own (console.alerts.sending):
            # a test starts no processes it does not test; test_alert_crash and test_alert_send_processes do.
            CONSOLE_ALERT_SEND_PROCESSES="0",
            # Likewise the statistics schedule drafts a report whenever a moved clock crosses a month's
            # end; its own test turns it on.
            CONSOLE_REPORT_STATISTICS_AUTO="off",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra)
        return env

    @property
    def settings(self) -> Any:
        from console.settings import load_settings

        return load_settings(self.env)

    def migrate(self) -> None:
        from console.migrate import migrate

        migrate(self.settings)

    def add_users(self, users: dict[str, str]) -> None:
        """Create users (name -> comma-separated roles) in one go, as `create-user` would."""
        from console.auth import create_user, passwords
        from console.clock import SystemClock
        from console.db import open_database

        settings = self.settings

        async def add() -> None:
            db = open_database(settings)
            try:
                async with db.write.begin() as conn:
                    for name, roles in users.items():
                        await create_user(
                            conn,
                            username=name,
                            password=PASSWORD,
                            display_name=name,
                            roles=frozenset(roles.split(",")),
                            now=SystemClock().now(),
                            passwords=passwords(settings),
                        )
            finally:
                await db.dispose()

        asyncio.run(add())

    def dump_projections(self) -> dict[str, list[tuple[object, ...]]]:
        """Every projection table's rows, in key order (what `rebuild` must reproduce exactly)."""
        from console.db import open_database
        from console.domains import registry

        async def read() -> dict[str, list[tuple[object, ...]]]:
            db = open_database(self.settings)
            try:
                async with db.read.connect() as conn:
                    return await conn.run_sync(registry().dump)
            finally:
                await db.dispose()

        return asyncio.run(read())


class Served(Protocol):
    """What a test needs of a running console, in-process (`LocalServer`) or its own process (`Server`)."""

    deployment: Deployment
    port: int
    log: Path

    @property
    def base(self) -> str: ...

    @property
    def ws_url(self) -> str: ...

    def stop(self) -> None: ...


class Server:
    """A console process (`python -m console serve`) on a free port, killable like a real crash."""

    def __init__(self, deployment: Deployment, **extra_env: str) -> None:
        self.deployment = deployment
        self.extra_env = extra_env
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = deployment.data_dir / f"server-{self.port}.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self) -> Server:
        return self.spawn().wait_ready()

    def spawn(self) -> Server:
        """Start the process without waiting for it: several servers then boot side by side."""
        env = {**self.deployment.env, **self.extra_env}
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "console", "serve", "--port", str(self.port)],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self) -> Server:
        assert self.proc is not None, "spawn() first"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1, verify=PLAIN_HTTP).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become healthy")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, as a service manager would; a server that does not exit is a failure, reported with
        its threads' stacks (SIGUSR1) and never left running behind the test."""
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_SECONDS)
            return
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGUSR1)
            time.sleep(1)
            self.proc.kill()
            self.proc.wait(timeout=30)
        raise AssertionError(f"server did not stop on SIGTERM:\n{self.log.read_text()[-6000:]}")


def start_all(*servers: Server) -> tuple[Server, ...]:
    """Boot several console processes at once (each import and startup takes a second or two)."""
    for server in servers:
        server.spawn()
    try:
        for server in servers:
            server.wait_ready()
    except BaseException:
        for server in servers:
            server.kill()
        raise
    return servers


class _ServerLog(logging.Handler):
    """The log file of one in-process server: the JSON lines `serve` would write to stderr.

    Logging is per process, so the handler sits on the root logger and keeps the records of its
    server's thread (its event loop, where the console's and uvicorn's records are made) and of helper
    threads, never the test's own thread or another in-process server's loop.
    """

    def __init__(self, path: Path, level: str) -> None:
        from console.logs import ClientFaultFilter, JsonFormatter

        super().__init__(level.upper())
        self.stream = open(path, "a", encoding="utf-8")  # closed with the handler
        self.setFormatter(JsonFormatter())
        self.addFilter(ClientFaultFilter())
        self.thread_id: int | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == threading.main_thread().ident:
            return
        if record.thread != self.thread_id and record.thread in LocalServer.loop_threads:
            return
        try:
            self.stream.write(self.format(record) + "\n")
            self.stream.flush()
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        self.stream.close()
        super().close()


class LocalServer:
    """The console served in this process: `serve`'s uvicorn configuration and app on a port of its own,
    on a thread with its own event loop. Same interface as `Server`, minus what needs a process of its
    own (kill, signals): tests of crashes, restarts, SIGTERM and several processes use `Server`.

    Per-process state is shared by in-process servers (the Prometheus registry, logging), so a test
    that reads /metrics counters uses `Server`.
    """

    loop_threads: ClassVar[set[int | None]] = set()

    def __init__(self, deployment: Deployment, **extra_env: str) -> None:
        self.deployment = deployment
        self.extra_env = extra_env
        # IPPROTO_TCP named, as `serve`'s own listening socket (asyncio's create_server) has it: asyncio
        # turns Nagle off (TCP_NODELAY) only on sockets whose proto says TCP, and accepted sockets inherit
        # the listener's. With proto 0 every response whose body is written after its headers waits for
        # the client's delayed ACK, about 40 ms a request.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        self.log = deployment.data_dir / f"server-{self.port}.log"
        self.log.touch()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._handler: _ServerLog | None = None
        self._failure: BaseException | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self) -> LocalServer:
        import uvicorn

        from console.cli import uvicorn_config
        from console.settings import load_settings

        settings = load_settings({**self.deployment.env, **self.extra_env})
        self._handler = _ServerLog(self.log, settings.log_level)
        root = logging.getLogger()
        root.addHandler(self._handler)
        if root.getEffectiveLevel() > self._handler.level:
            root.setLevel(self._handler.level)
        logging.getLogger("uvicorn.access").disabled = True  # as `serve` does: no query strings logged
        self._server = uvicorn.Server(uvicorn_config(settings, host="127.0.0.1", port=self.port))
        self._thread = threading.Thread(target=self._run, name=f"console-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                failure, log = self._failure, self.log.read_text()[-2000:]
                with contextlib.suppress(AssertionError):
                    self.stop()
                raise RuntimeError(f"server did not start ({failure!r}): {log}")
            time.sleep(0.01)
        return self

    def _run(self) -> None:
        LocalServer.loop_threads.add(threading.get_ident())
        if self._handler is not None:
            self._handler.thread_id = threading.get_ident()
        try:
            asyncio.run(self._server.serve(sockets=[self._sock]))
        except BaseException as exc:
            self._failure = exc
        finally:
            LocalServer.loop_threads.discard(threading.get_ident())

    def kill(self, sig: int = signal.SIGKILL) -> None:
        raise TypeError("an in-process server cannot be killed or signalled; use support.Server")

    def stop(self) -> None:
        """Shut down as on SIGTERM (graceful close, then each runtime phase); one that hangs is a failure."""
        try:
            if self._thread is not None and self._thread.is_alive():
                self._server.should_exit = True
                self._thread.join(STOP_SECONDS)
                if self._thread.is_alive():
                    self._server.force_exit = True
                    self._thread.join(10)
                    raise AssertionError(f"server did not stop:\n{self.log.read_text()[-6000:]}")
            if self._failure is not None and not isinstance(self._failure, SystemExit | KeyboardInterrupt):
                raise AssertionError(f"server failed: {self._failure!r}\n{self.log.read_text()[-6000:]}")
        finally:
            self._sock.close()
            if self._handler is not None:
                logging.getLogger().removeHandler(self._handler)
                self._handler.close()
                self._handler = None


def login(server: Served, username: str, password: str = PASSWORD) -> tuple[str, str]:
    """Sign in over HTTP; returns (session cookie, CSRF token)."""
    r = httpx.post(
        server.base + "/api/login", json={"username": username, "password": password}, verify=PLAIN_HTTP
    )
    r.raise_for_status()
    return r.cookies["ic_session"], r.json()["csrf"]


def command_id() -> str:
    return "t-" + uuid.uuid4().hex


def register_args(n: int = 0) -> dict[str, Any]:
    return {"type": "sit_in", "place": "机关大门", "head_count": 60 + n, "summary": f"静坐 {n}"}


class LiveClient:
    """A protocol client as a tablet would be: keeps (epoch, position) and resumes with it."""

    def __init__(self, ws_url: str, cookie: str) -> None:
        self.ws_url = ws_url
        self.cookie = cookie
        self.epoch: str | None = None
        self.position: int | None = None
        self.events: list[dict[str, Any]] = []
        self.snapshots: list[dict[str, Any]] = []
        self.results: dict[str, dict[str, Any]] = {}
        self.errors: list[dict[str, Any]] = []
        self.ws: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._live = asyncio.Event()
        self.closed_with: int | None = None
        self.pings = 0

    async def connect(self) -> None:
        self._live.clear()
        self.ws = await websockets.connect(
            self.ws_url, additional_headers={"Cookie": f"ic_session={self.cookie}"}, max_size=2**24
        )
        await self.ws.send(json.dumps({"type": "hello", "epoch": self.epoch, "position": self.position}))
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self._live.wait(), 30)

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                kind = frame["type"]
                if kind == "welcome":
                    self.epoch = frame["epoch"]
                elif kind == "snapshot":
                    self.snapshots.append(frame)
                    self.position = frame["position"]
                elif kind == "event":
                    self.events.append(frame)
                    self.position = frame["position"]
                elif kind == "live":
                    self._live.set()
                elif kind == "result":
                    self.results[frame["id"]] = frame
                elif kind == "error":
                    self.errors.append(frame)
                elif kind == "ping":
                    self.pings += 1
                    await self.ws.send('{"type":"pong"}')
        except websockets.ConnectionClosed as exc:
            self.closed_with = exc.rcvd.code if exc.rcvd else None

    async def send(self, name: str, args: dict[str, Any], cid: str | None = None) -> str:
        cid = cid or command_id()
        await self.ws.send(json.dumps({"type": "command", "id": cid, "name": name, "args": args}))
        return cid

    async def wait_result(self, cid: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while cid not in self.results:
            if time.monotonic() > deadline:
                raise TimeoutError(cid)
            await asyncio.sleep(0.005)
        return self.results[cid]

    async def wait_position(self, position: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while (self.position or 0) < position:
            if time.monotonic() > deadline:
                raise TimeoutError(f"at {self.position}, waiting for {position}")
            await asyncio.sleep(0.005)

    async def wait_closed(self, timeout: float = 30) -> None:
        """Until the server's end of the connection is gone and every frame before it has been read."""
        if self._reader is not None:
            await asyncio.wait_for(asyncio.shield(self._reader), timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


async def eventually(check: Callable[[], object], timeout: float = 30, what: str = "") -> None:
    """Poll `check` until it is true; the timeout is a ceiling for a stuck server, not a measurement."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what or getattr(check, "__name__", "condition"))
        await asyncio.sleep(0.005)


def server_events(server: Served, cookie: str) -> list[dict[str, Any]]:
    """Every event in the log as the API returns it, in order."""
    out: list[dict[str, Any]] = []
    after = 0
    while True:
        r = httpx.get(
            server.base + f"/api/events?after={after}&limit=1000",
            cookies={"ic_session": cookie},
            verify=PLAIN_HTTP,
        )
        r.raise_for_status()
        batch = r.json()["events"]
        out += batch
        if len(batch) < 1000:
            return out
        after = batch[-1]["position"]


def server_state(server: Served, cookie: str) -> dict[str, Any]:
    r = httpx.get(server.base + "/api/state", cookies={"ic_session": cookie}, verify=PLAIN_HTTP)
    r.raise_for_status()
    body: dict[str, Any] = r.json()
    return body


def fold(events: list[dict[str, Any]], snapshot: dict[str, Any] | None = None) -> dict[str, Any]:
    """A client's model: incidents and notes built from a snapshot plus events (what a board shows)."""
    incidents: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    if snapshot:
        for row in snapshot["state"]["incidents"]:
            incidents[row["id"]] = {k: row[k] for k in ("number", "type", "place", "head_count", "status")}
        notes = [n["id"] for n in snapshot["state"]["notes"]]
    for e in events:
        d = e["data"]
        if e["event"] == "incident.registered":
            incidents[d["incident_id"]] = {
                "number": d["number"],
                "type": d["incident_type"],
                "place": d["place"],
                "head_count": d["head_count"],
                "status": "open",
            }
        elif e["event"] == "incident.facts_amended":
            incidents[d["incident_id"]].update(d["changes"])
        elif e["event"] == "incident.closed":
            incidents[d["incident_id"]]["status"] = "closed"
        elif e["event"] == "incident.note_added":
            notes.append(d["note_id"])
    return {"incidents": incidents, "notes": notes}


class StalledPeer:
    """A WebSocket peer that says hello and then stops reading, like a tablet whose app froze."""

    def __init__(self, port: int, cookie: str) -> None:
        import base64

        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Cookie: ic_session={cookie}\r\n\r\n"
            ).encode()
        )
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(1)
        assert b" 101 " in response.split(b"\r\n")[0], response
        self._send_text(json.dumps({"type": "hello"}))

    def _send_text(self, text: str) -> None:
        payload, mask = text.encode(), os.urandom(4)
        assert len(payload) < 126
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)

    def drain_until_close(self, timeout: float = 30) -> tuple[bool, int | None]:
        """Read until the server ends the connection: (ended, close code of a close frame if one came)."""
        self.sock.setblocking(True)
        self.sock.settimeout(timeout)
        data = bytearray()
        ended = False
        try:
            while True:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    ended = True
                    break
                data += chunk
        except TimeoutError:
            pass
        except ConnectionResetError:
            ended = True
        i = 0
        code = None
        while i + 2 <= len(data):
            opcode, length = data[i] & 0x0F, data[i + 1] & 0x7F
            i += 2
            if length == 126:
                length = int.from_bytes(data[i : i + 2], "big")
                i += 2
            elif length == 127:
                length = int.from_bytes(data[i : i + 8], "big")
                i += 8
            if opcode == 0x8 and length >= 2:
                code = int.from_bytes(data[i : i + 2], "big")
            i += length
        return ended, code

    def close(self) -> None:
        self.sock.close()


class Writer:
    """One console process's command writer on a deployment's database, in the test's loop, counting the
    commands of each batch it writes (`batches`)."""

    def __init__(self, deployment: Deployment) -> None:
        from console.clock import SystemClock
        from console.db import open_database
        from console.domains import registry
        from console.service import CommandService

        self.db = open_database(deployment.settings)
        self.service = CommandService(
            self.db, deployment.settings, SystemClock(), lambda _e: None, registry()
        )
        self.batches: list[int] = []
        batch = self.service._batch

        def counted(conn: Any, items: list[Any]) -> Any:
            self.batches.append(len(items))
            return batch(conn, items)

        self.service._batch = counted  # type: ignore[method-assign,assignment]

    async def actor(self, username: str) -> Any:
        from sqlalchemy import select

        from console.commands import Actor
        from console.tables import users

        async with self.db.read.connect() as conn:
            row = (await conn.execute(select(users).where(users.c.username == username))).one()
        return Actor(id=row.id, name=row.display_name, roles=frozenset(row.roles.split(",")))

    async def send(self, actor: Any, name: str, **args: Any) -> Any:
        from console.commands import CommandEnvelope

        envelope = CommandEnvelope(id=f"t-{uuid.uuid4().hex}", name=name, args=args)
        return await self.service.submit(envelope, actor)
