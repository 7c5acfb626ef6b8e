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
from .roles import Role, parse_roles
from .settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    import uvicorn

    from .registry import Registry


def uvicorn_config(settings: Settings, *, host: str, port: int, clock: Clock | None = None) -> uvicorn.Config:
    """How `serve` runs the console; tests serve this same configuration in-process."""
    import uvicorn

    from .web.app import create_app
    from .web.transport import http_protocol

    return uvicorn.Config(
        create_app(settings, clock),
        host=host,
        port=port,
        log_config=None,
        # Safe without a proxy in front: slow headers are cut, idle keep-alives closed, and past
        # max_connections uvicorn answers 503 instead of taking more (sockets, memory, tasks).
        http=http_protocol(settings.header_timeout_seconds),
        timeout_keep_alive=settings.keep_alive_seconds,
        limit_concurrency=settings.max_connections,
        ws_ping_interval=None,  # the console's own heartbeat (one timer for all clients) replaces it
        ws_max_size=256 * 1024,
        ws="websockets-sansio",
        ws_per_message_deflate=settings.ws_compression,
        timeout_graceful_shutdown=5,
    )


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from .collector import settle
    from .logs import configure

    configure(settings.log_level)
    # `kill -USR1 <pid>` writes every thread's stack to stderr: how to see what a stuck process is doing.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    print(f"信访应急指挥台 Incident Console: http://{args.host}:{args.port}/", flush=True)
    server = uvicorn.Server(uvicorn_config(settings, host=args.host, port=args.port))
    settle()  # full collections a tenth as often from now on (console/collector.py)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 3  # uvicorn's exit status when the server could not start


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from .migrate import migrate

    applied = migrate(settings)
    if applied:
        n = len(applied)
        print(f"数据库结构已建立或升级（{n} 项迁移）database schema migrated ({n} steps)")
    else:
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


def _roles_arg(text: str) -> frozenset[str]:
    """--roles checked while the arguments are read: an unknown role is a usage error (exit 2) that
    names it and the roles there are, before a password is asked for or anything is written."""
    try:
        return parse_roles(text)
    except ValueError as exc:
        known = ", ".join(r.value for r in Role)
        raise argparse.ArgumentTypeError(f"未知角色 {exc}; 可用 known: {known}") from None


def _create_user(settings: Settings, args: argparse.Namespace) -> int:
    from .auth import create_user, passwords

    password = args.password or getpass.getpass("密码 password: ")
    roles: frozenset[str] = args.roles

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


def _revoke_token(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import text

    from .auth import revoke_token, token_id_of
    from .follower import SESSIONS_CHANNEL, TOKEN_PREFIX

    async def body(db: Any) -> int:
        async with db.write.begin() as conn:
            given = args.token
            token_id = await token_id_of(conn, given) if given.startswith("ict_") else given
            revoked = await revoke_token(conn, token_id, SystemClock().now()) if token_id else None
            if token_id is None or revoked is None:
                print(f"没有该令牌 no such token: {given[:12]}", file=sys.stderr)
                return 1
            if db.is_postgres:
                # Every console process closes the token's sockets at once (as logout does for a user's).
                await conn.execute(
                    text("SELECT pg_notify(:channel, :token)"),
                    {"channel": SESSIONS_CHANNEL, "token": TOKEN_PREFIX + token_id},
                )
        state = "已吊销 revoked" if revoked else "早已吊销 already revoked"
        print(f"{state}: {token_id}")
        return 0

    return _with_db(settings, body)


def _list_tokens(settings: Settings, _args: argparse.Namespace) -> int:
    from .auth import list_tokens

    async def body(db: Any) -> int:
        async with db.read.connect() as conn:
            tokens = await list_tokens(conn)
        for t in tokens:
            state = f"revoked {t['revoked_at']}" if t["revoked_at"] else "active"
            used = t["last_used_at"] or "never"
            print(f"{t['id']}  {t['name']}  {t['owner']['username']}  {t['created_at']}  {used}  {state}")
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


def _verify_log(settings: Settings, args: argparse.Namespace) -> int:
    from .maintenance import verify

    if getattr(args, "witness", None):
        return _verify_witness(settings, args.witness)

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


def _verify_witness(settings: Settings, witness: str) -> int:
    """Check a report's witness (the chain head printed on it at approval) against the log."""
    from . import eventlog
    from .maintenance import verify

    position_text, _, expected = witness.partition(":")
    if not position_text.strip().isdigit() or len(expected.strip()) != 64:
        print(f"见证格式应为 位置:哈希 witness must be POSITION:HASH (64 hex digits), got {witness!r}")
        return 2
    position, expected = int(position_text), expected.strip().lower()

    async def body(db: Any) -> int:
        result = await verify(db)
        async with db.read.connect() as conn:
            found = await eventlog.read_after(conn, position - 1, 1)
        if not found or found[0].position != position:
            print(f"日志中没有位置 {position} no event at position {position}: the log was cut or replaced")
            return 2
        if found[0].hash != expected:
            print(
                f"见证不符 witness does not match: position {position} holds {found[0].hash}, "
                f"the report says {expected} — the log was rewritten"
            )
            return 2
        if not result.ok:
            broken = result.broken_at
            print(f"见证一致，但日志在位置 {broken} 处被破坏 witness matches, log broken at {broken}")
            return 2
        print(f"见证一致 witness matches: position {position}, and the chain verifies to {result.checked}")
        return 0

    return _with_db(settings, body)


def _render_report(settings: Settings, args: argparse.Namespace) -> int:
    """Write a report (or the demo 首报) as PDF or DOCX, by the output file's suffix."""
    from reports.fonts import FontsMissing
    from reports.render import FORMATS, write

    output = Path(args.output)
    if output.suffix.lower() not in FORMATS:
        print(f"输出文件须为 .pdf 或 .docx output must end in .pdf or .docx: {output}", file=sys.stderr)
        return 2
    if args.demo:
        from reports.demo import demo_document

        try:
            write(demo_document(), output)
        except FontsMissing as exc:
            print(f"缺少中文字体 {exc}", file=sys.stderr)
            return 2
        print(f"已生成示例首报 demo initial report written to {output}")
        return 0
    if not args.number or not args.stage:
        print("需要事件编号和 --stage, 或 --demo: give NUMBER and --stage, or --demo", file=sys.stderr)
        return 2
    from reports.model import Stage

    from .clock import SystemClock as _Clock
    from .reports.config import font_files
    from .reports.queries import DocumentNotFound, find_report, report_document

    stage = Stage(args.stage)

    async def body(db: Any) -> int:
        async with db.read.connect() as conn:

            def read(sync: Any) -> Any:
                report_id = find_report(sync, args.number, stage, args.sequence)
                if report_id is None:
                    return None
                return report_document(sync, report_id, args.version, settings, _Clock().now())

            try:
                doc = await conn.run_sync(read)
            except DocumentNotFound as exc:
                print(f"没有该版本 no such version: {exc}", file=sys.stderr)
                return 1
        if doc is None:
            print(f"没有该报告 no {stage.value} report of incident {args.number}", file=sys.stderr)
            return 1
        try:
            write(doc, output, font_files(settings))
        except FontsMissing as exc:
            print(f"缺少中文字体 {exc}", file=sys.stderr)
            return 2
        print(f"已生成报告 report written to {output}")
        return 0

    return _with_db(settings, body)


async def _submit_as(
    db: Any, settings: Settings, username: str, name: str, args: dict[str, Any]
) -> tuple[Any, Registry] | None:
    """Submit one command in a user's name, as the page would (None: no such user, said on stderr)."""
    import uuid

    from .auth import find_user
    from .commands import CommandEnvelope
    from .service import CommandService

    async with db.read.connect() as conn:
        user = await find_user(conn, username)
    if user is None:
        print(f"没有该用户 no such user: {username}", file=sys.stderr)
        return None
    clock = SystemClock(settings.clock_offset_seconds, settings.clock_file)
    reg = registry()
    service = CommandService(db, settings, clock, lambda _events: None, reg)
    service.start()
    try:
        envelope = CommandEnvelope(id=f"cli-{uuid.uuid4().hex}", name=name, args=args)
        return await service.submit(envelope, user.actor), reg
    finally:
        await service.stop()


def _refused(result: Any, reg: Registry, what: str) -> None:
    """A refused command's code and message in both languages, on stderr."""
    assert result.error is not None
    zh = result.error.message("zh_CN", reg.messages)
    en = result.error.message("en", reg.messages)
    print(f"{what} ({result.error.code}): {zh} / {en}", file=sys.stderr)


def _draft_statistics(settings: Settings, args: argparse.Namespace) -> int:
    """Draft a month's or a quarter's statistics report from the log, in the name of a user who drafts
    reports; it is then edited, approved and sent on the report page like any report."""

    async def body(db: Any) -> int:
        period = args.period.strip().upper()
        submitted = await _submit_as(
            db, settings, args.as_user, "report.draft_statistics", {"period": period}
        )
        if submitted is None:
            return 2
        result, reg = submitted
        if not result.ok:
            _refused(result, reg, "未起草 not drafted")
            return 1
        report_id = result.result["report_id"]
        print(f"已起草统计报告 statistics report drafted: {report_id} (/reports/{report_id})")
        return 0

    return _with_db(settings, body)


def _import_targets(settings: Settings, args: argparse.Namespace) -> int:
    """导入年度目标: a CSV sheet of the year's targets (年度,单位,指标,目标值) in the name of an admin, as
    the page's import does it: all rows or none, every bad row named."""
    from .responders.errors import ImportRejected

    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"无法读取文件 cannot read {args.file}: {exc}", file=sys.stderr)
        return 2

    async def body(db: Any) -> int:
        sheet = {"format": "csv", "text": text}
        submitted = await _submit_as(db, settings, args.as_user, "review.import_targets", sheet)
        if submitted is None:
            return 2
        result, reg = submitted
        if not result.ok:
            _refused(result, reg, "未导入 not imported")
            if isinstance(result.error, ImportRejected):
                for e in result.error.errors:
                    print(
                        f"  第{e.row}行 row {e.row} {e.column or ''}: {e.message_zh} / {e.message}",
                        file=sys.stderr,
                    )
            return 1
        print(f"已导入年度目标 targets imported: {result.result['rows']} rows")
        return 0

    return _with_db(settings, body)


def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from .maintenance import backup

    output = Path(args.output) if args.output else settings.data_dir / "backup" / "console-backup.db"
    backup(settings.database_url, output)
    print(f"已备份 backup written to {output}")
    return 0


def _send_test_alert(settings: Settings, args: argparse.Namespace) -> int:
    from .alerts.cli import send_test_alert

    return send_test_alert(args.url, settings.locale)


def _alert_worker(settings: Settings, args: argparse.Namespace) -> int:
    from .alerts.cli import alert_worker_health, run_alert_worker

    if args.health:
        return alert_worker_health(settings, args.within)
    return run_alert_worker(settings)


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
        type=_roles_arg,
        help="comma-separated: duty_officer,leader,responder,reviewer,inspector,admin",
    )
    user.add_argument("--password", help="prompted for if not given")
    user.set_defaults(run=_create_user)

    token = sub.add_parser("create-token", help="issue an API token for an integration (printed once)")
    token.add_argument("username")
    token.add_argument("--name", dest="token_name", default="integration")
    token.set_defaults(run=_create_token)

    revoke = sub.add_parser(
        "revoke-token", help="revoke an API token (its live connections close at once with 4401)"
    )
    revoke.add_argument("token", help="the token's id (see list-tokens) or the token itself")
    revoke.set_defaults(run=_revoke_token)

    sub.add_parser("list-tokens", help="API tokens: id, name, owner, created, last used").set_defaults(
        run=_list_tokens
    )

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

    verify_log = sub.add_parser("verify-log", help="verify the hash chain; names the first broken position")
    verify_log.add_argument(
        "--witness", metavar="POSITION:HASH", help="check the chain head printed on a sent report (见证)"
    )
    verify_log.set_defaults(run=_verify_log)

    render = sub.add_parser("render-report", help="write an upward report as PDF or DOCX (by the suffix)")
    render.add_argument("number", nargs="?", help="the incident's number, e.g. XF-2026-0005")
    render.add_argument("--stage", choices=["initial", "followup", "final", "daily"])
    render.add_argument("--sequence", type=int, help="which 续报 (default: the latest)")
    render.add_argument("--version", type=int, help="which version (default: the current one)")
    render.add_argument("--output", required=True, help="file to write: .pdf or .docx")
    render.add_argument("--demo", action="store_true", help="a sample 首报 of a made-up sit-in, no database")
    render.set_defaults(run=_render_report)

    statistics = sub.add_parser(
        "draft-statistics", help="draft a month's or a quarter's statistics report from the log (统计报告)"
    )
    statistics.add_argument("--period", required=True, help="a month as 2026-11, a quarter as 2026-Q4")
    statistics.add_argument(
        "--as", dest="as_user", required=True, help="the user who drafts it (a duty officer or leader)"
    )
    statistics.set_defaults(run=_draft_statistics)

    targets = sub.add_parser("import-targets", help="import a CSV sheet of the year's targets (导入年度目标)")
    targets.add_argument("file", help="CSV: 年度,单位,指标,目标值 (or year,unit,figure,value)")
    targets.add_argument("--as", dest="as_user", required=True, help="the admin who imports it")
    targets.set_defaults(run=_import_targets)

    test_alert = sub.add_parser(
        "send-test-alert", help="send a content-free test message through one apprise URL (发送测试消息)"
    )
    test_alert.add_argument("url", help="the channel's apprise URL, e.g. dingtalk://… or mailto://…")
    test_alert.set_defaults(run=_send_test_alert)

    worker = sub.add_parser(
        "alert-worker",
        help="send alerts from the outbox in a process of its own (with CONSOLE_ALERT_WORKER=process, "
        "serve processes then do not send)",
    )
    worker.add_argument(
        "--health",
        action="store_true",
        help="do not send: exit 0 if this host's alert worker looked at the outbox lately, 1 if not "
        "(the container's health check)",
    )
    worker.add_argument(
        "--within",
        type=float,
        default=None,
        metavar="SECONDS",
        help="with --health: how recent the last look must be (default 90)",
    )
    worker.set_defaults(run=_alert_worker)

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
