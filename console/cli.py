"""The command line: `python -m console …` or `incident-console …`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import faulthandler
import getpass
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clock import Clock, SystemClock
from .db import open_database
from .domains import registry
from .roles import parse_roles
from .settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    import uvicorn


def uvicorn_config(settings: Settings, *, host: str, port: int, clock: Clock | None = None) -> uvicorn.Config:
    """How `serve` runs the console; tests serve this same configuration in-process."""
    import uvicorn

    from .web.app import create_app

    return uvicorn.Config(
        create_app(settings, clock),
        host=host,
        port=port,
        log_config=None,
        ws_ping_interval=None,  # the console's own heartbeat (one timer for all clients) replaces it
        ws_max_size=256 * 1024,
        ws="websockets-sansio",
        ws_per_message_deflate=settings.ws_compression,
        timeout_graceful_shutdown=5,
    )


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from .logs import configure

    configure(settings.log_level)
    # `kill -USR1 <pid>` writes every thread's stack to stderr: how to see what a stuck process is doing.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    print(f"信访应急指挥台 Incident Console: http://{args.host}:{args.port}/", flush=True)
    server = uvicorn.Server(uvicorn_config(settings, host=args.host, port=args.port))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 3  # uvicorn's exit status when the server could not start


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from .migrate import migrate

    migrate(settings)
    print("数据库已是最新 database is up to date")
    return 0


def _with_db(settings: Settings, body: Callable[[Any], Coroutine[Any, Any, int]]) -> int:
    async def main() -> int:
        db = open_database(settings)
        try:
            return await body(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


def _create_user(settings: Settings, args: argparse.Namespace) -> int:
    from .auth import create_user, passwords

    password = args.password or getpass.getpass("密码 password: ")
    roles = parse_roles(args.roles)

    async def body(db: Any) -> int:
        async with db.write.begin() as conn:
            user = await create_user(
                conn,
                username=args.username,
                password=password,
                display_name=args.name or args.username,
                roles=roles,
                now=SystemClock().now(),
                passwords=passwords(settings),
            )
        print(f"已创建用户 created user {user.username} ({', '.join(sorted(user.roles))})")
        return 0

    return _with_db(settings, body)


def _create_token(settings: Settings, args: argparse.Namespace) -> int:
    from .auth import create_token, find_user

    async def body(db: Any) -> int:
        async with db.write.begin() as conn:
            user = await find_user(conn, args.username)
            if user is None:
                print(f"没有该用户 no such user: {args.username}", file=sys.stderr)
                return 1
            token = await create_token(conn, user, args.token_name, SystemClock().now())
        print(token)
        return 0

    return _with_db(settings, body)


def _seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    from .demo import DEMO_PASSWORD, DEMO_USERS, seed_demo

    async def body(db: Any) -> int:
        added = await seed_demo(db, settings, SystemClock(settings.clock_offset_seconds))
        if added:
            print("已创建演示用户 demo users created: " + ", ".join(added))
        print(f"演示登录 demo logins (password / 密码: {DEMO_PASSWORD}):")
        for username, name, _roles in DEMO_USERS:
            print(f"  {username:<10} {name}")
        return 0

    return _with_db(settings, body)


def _rebuild(settings: Settings, _args: argparse.Namespace) -> int:
    from .maintenance import rebuild

    async def body(db: Any) -> int:
        count = await rebuild(db, registry())
        print(f"已从日志重建投影 rebuilt projections from {count} events")
        return 0

    return _with_db(settings, body)


def _check_playbooks(settings: Settings, args: argparse.Namespace) -> int:
    from playbooks.config import library_dir
    from playbooks.loader import load_library

    directory = Path(args.directory) if args.directory else library_dir(settings)
    loaded = load_library(directory)
    for snap in loaded.playbooks:
        pb = snap.playbook
        serves = ",".join(str(t) for t in pb.serves)
        print(f"ok  {pb.id} v{pb.version}  {pb.title.zh}  [{serves}]  {snap.content_hash[:12]}")
    for error in loaded.errors:
        print(f"错误 error  {error}")
    print(f"{len(loaded.playbooks)} 个预案通过校验 valid, {len(loaded.errors)} 处错误 errors — {directory}")
    return 1 if loaded.errors else 0


def _verify_log(settings: Settings, _args: argparse.Namespace) -> int:
    from .maintenance import verify

    async def body(db: Any) -> int:
        result = await verify(db)
        if result.ok:
            print(f"日志完整 log intact: {result.checked} events, hash chain verified")
            return 0
        print(
            f"日志在位置 {result.broken_at} 处被破坏 "
            f"log broken at position {result.broken_at} ({result.reason})"
        )
        return 2

    return _with_db(settings, body)


def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from .maintenance import backup

    output = Path(args.output) if args.output else settings.data_dir / "backup" / "console-backup.db"
    backup(settings.database_url, output)
    print(f"已备份 backup written to {output}")
    return 0


def _export_bundle(settings: Settings, args: argparse.Namespace) -> int:
    from .review.export import ExportError, export_bundle

    written: list[bytes] = []

    async def body(db: Any) -> int:
        now = SystemClock(settings.clock_offset_seconds).now()
        try:
            written.append(await export_bundle(db, registry(), settings, args.number, now, getpass.getuser()))
        except ExportError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        return 0

    if _with_db(settings, body) != 0:
        return 1
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(written[0])
    print(f"已导出 bundle written to {output} (机密信息未导出 confidential values left out)")
    return 0


def _verify_bundle(args: argparse.Namespace) -> int:
    """Needs no database and no settings: an inspector's machine has neither."""
    from review.bundle import verify_zip

    path = Path(args.bundle)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"无法读取 cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    verdict = verify_zip(data, path.name)
    if verdict.ok:
        print(
            f"导出包完整 bundle intact: {verdict.events} events ({verdict.redacted} with values left out), "
            f"chain head {verdict.head_position} {verdict.head_hash}"
        )
        return 0
    print(f"导出包被改动 bundle altered: {verdict.file}: {verdict.reason}", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="incident-console", description="信访应急指挥台 Incident Console")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the console (HTTP and WebSocket)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)

    sub.add_parser("migrate", help="create or upgrade the database schema").set_defaults(run=_migrate)

    user = sub.add_parser("create-user", help="add a user with roles")
    user.add_argument("username")
    user.add_argument("--name", help="display name, e.g. 王值班")
    user.add_argument(
        "--roles",
        required=True,
        help="comma-separated: duty_officer,leader,responder,reviewer,inspector,admin",
    )
    user.add_argument("--password", help="prompted for if not given")
    user.set_defaults(run=_create_user)

    token = sub.add_parser("create-token", help="issue an API token for an integration (printed once)")
    token.add_argument("username")
    token.add_argument("--name", dest="token_name", default="integration")
    token.set_defaults(run=_create_token)

    seed = sub.add_parser("seed-demo", help="create the demo organisation and users")
    seed.add_argument("--if-empty", action="store_true", help="(default behaviour) only add what is missing")
    seed.set_defaults(run=_seed_demo)

    sub.add_parser("rebuild", help="rebuild every projection by replaying the event log").set_defaults(
        run=_rebuild
    )
    check = sub.add_parser(
        "check-playbooks", help="validate playbook YAML files; every error names file, line and field"
    )
    check.add_argument("directory", nargs="?", help="default: CONSOLE_PLAYBOOK_DIR or the built-in library")
    check.set_defaults(run=_check_playbooks)

    sub.add_parser("verify-log", help="verify the hash chain; names the first broken position").set_defaults(
        run=_verify_log
    )

    export = sub.add_parser(
        "export-bundle",
        help="write an incident's verifiable bundle for inspectors (confidential values left out)",
    )
    export.add_argument("number", help="the incident's number, e.g. XF-2026-0001")
    export.add_argument("--output", required=True, help="the zip file to write")
    export.set_defaults(run=_export_bundle)

    verify_bundle = sub.add_parser(
        "verify-bundle", help="check a bundle offline (no database); names the file at fault"
    )
    verify_bundle.add_argument("bundle", help="the zip file written by export-bundle")
    verify_bundle.set_defaults(run=_verify_bundle, offline=True)

    backup = sub.add_parser("backup", help="write a consistent backup of the database")
    backup.add_argument("--output", help="file to write (default var/backup/console-backup.db)")
    backup.set_defaults(run=_backup)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "offline", False):
        offline: int = args.run(args)
        return offline
    try:
        settings = load_settings()
        registry().check_settings(settings)
    except SettingsError as exc:
        print(f"console: {exc}", file=sys.stderr)
        return 2
    result: int = args.run(settings, args)
    return result


if __name__ == "__main__":
    sys.exit(main())
