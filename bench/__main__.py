"""`python -m bench [--quick] [--only fanout|commands|…|figures]`: run the benchmarks, print tables."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Any

from . import alertload, commands, fanout, recommend
from . import figures as figures_bench
from . import reports as report_bench
from . import review as review_bench
from .common import log, raise_nofile


def _interrupt(signum: int, _frame: Any) -> None:
    # SIGTERM/SIGHUP become KeyboardInterrupt, so every `finally` stops its servers and removes its files.
    raise KeyboardInterrupt(f"signal {signum}")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a shorter run (about a minute)")
    parser.add_argument(
        "--only",
        choices=("fanout", "alertload", "commands", "recommend", "reports", "review", "figures"),
        help="run one benchmark only",
    )
    parser.add_argument("--sizes", help="fan-out client counts, comma-separated (default 100,1000)")
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes (default 2)")
    parser.add_argument("--no-deflate", action="store_true", help="fan-out clients do not offer compression")
    parser.add_argument("--rate", type=float, help="fan-out steady-phase commands per second (default 10)")
    parser.add_argument("--seconds", type=float, help="duration of each commands run (default 8)")
    parser.add_argument("--repeat", type=int, help="fan-out runs per size, console and bare alternating (3)")
    parser.add_argument("--no-alert-worker", action="store_true", help="fan-out: CONSOLE_ALERT_WORKER=off")
    parser.add_argument("--alert-clients", type=int, help="clients of the alert-load turns (default 1000)")
    parser.add_argument("--backlog", type=int, help="registrations in the alert-load backlog (default 500)")
    parser.add_argument(
        "--alert-poll",
        type=float,
        help="alert load: the server's CONSOLE_POLL_SECONDS (default 5): how soon a sender process's "
        "records reach its screens on SQLite",
    )
    parser.add_argument(
        "--alert-sender",
        choices=alertload.SENDERS,
        help="alert load: who sends in the busy turn: serve itself, an alert-worker process of its own, "
        "or both in turn (default both)",
    )
    parser.add_argument(
        "--alert-postgres",
        action="store_true",
        help="alert load: on PostgreSQL (a scratch database per turn) instead of SQLite",
    )
    parser.add_argument(
        "--figures-events",
        type=int,
        help="events in the §25 figures' log (default 100000; 1000000 for the aim)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # Ctrl-C must interrupt even when started from a shell that ignores SIGINT in background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    raise_nofile()
    if args.quick:
        fo = fanout.Options(sizes=(1000,), warmup=5, steady=40, rate=10.0, burst=40, repeat=2)
        co = commands.Options(seconds=2.0)
    else:
        fo = fanout.Options()
        co = commands.Options()
    if args.sizes:
        fo = fanout.Options(**{**fo.__dict__, "sizes": tuple(int(s) for s in args.sizes.split(","))})
    fo = fanout.Options(
        **{
            **fo.__dict__,
            "procs": args.procs,
            "deflate": not args.no_deflate,
            "alert_worker": not args.no_alert_worker,
        }
    )
    if args.rate:
        fo = fanout.Options(**{**fo.__dict__, "rate": args.rate})
    if args.repeat:
        fo = fanout.Options(**{**fo.__dict__, "repeat": args.repeat})
    if args.seconds:
        co = commands.Options(**{**co.__dict__, "seconds": args.seconds})

    started = time.monotonic()
    out: list[str] = []
    try:
        if args.only in (None, "fanout"):
            out.append(fanout.report(fanout.run(fo), fo))
            print(out[-1], flush=True)
        if args.only in (None, "alertload"):
            ao = alertload.LoadOptions(fanout=fo, repeat=fo.repeat)
            if args.quick:
                ao = alertload.LoadOptions(fanout=fo, repeat=1, backlog=200)
            if args.alert_clients:
                ao = alertload.LoadOptions(**{**ao.__dict__, "clients": args.alert_clients})
            if args.backlog:
                ao = alertload.LoadOptions(**{**ao.__dict__, "backlog": args.backlog})
            if args.alert_poll:
                ao = alertload.LoadOptions(**{**ao.__dict__, "poll_seconds": args.alert_poll})
            if args.alert_sender:
                ao = alertload.LoadOptions(**{**ao.__dict__, "sender": args.alert_sender})
            if args.alert_postgres:
                ao = alertload.LoadOptions(**{**ao.__dict__, "postgres": True})
            out.append(alertload.report(alertload.run(ao), ao))
            print(out[-1], flush=True)
        if args.only in (None, "commands"):
            out.append(commands.report(commands.run(co), co))
            print(out[-1], flush=True)
        if args.only in (None, "recommend"):
            ro = recommend.Options(steady=40, turns=2) if args.quick else recommend.Options()
            out.append(recommend.report(recommend.run(ro), ro))
            print(out[-1], flush=True)
        if args.only in (None, "reports"):
            rbo = report_bench.Options(repeat=3 if args.quick else 5)
            out.append(report_bench.report(report_bench.run(rbo), rbo))
            print(out[-1], flush=True)
        if args.only in (None, "review"):
            rvo = review_bench.Options(repeat=3 if args.quick else 5)
            out.append(review_bench.report(review_bench.run(rvo), rvo))
            print(out[-1], flush=True)
        if args.only in (None, "figures"):
            fio = figures_bench.Options(repeat=2 if args.quick else 3)
            if args.figures_events:
                fio = figures_bench.Options(events=args.figures_events, repeat=fio.repeat)
            out.append(figures_bench.report(figures_bench.run(fio), fio))
            print(out[-1], flush=True)
    except KeyboardInterrupt:
        log("interrupted: servers stopped, temporary files removed")
        return 130
    log(f"bench finished in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
