"""Crash durability: nothing the service acknowledged is ever lost.

Visitors send consultation requests as fast as the service takes them. Each request carries a
unique marker (its form id, also written into its message) and counts as acknowledged only when
the service answers with its success redirect. Meanwhile the whole gunicorn process group is
SIGKILLed at random moments and started again; on PostgreSQL the database's own processes are
killed too (one SIGKILLed backend makes the postmaster restart every backend and replay its WAL).
Visitors whose request failed send the same form again, as a person pressing Send again would.

Afterwards everything is read back through the staff dashboard (over HTTP, signed in with a
password and an authenticator code) and through the database: every acknowledged marker is
there, nothing is there that was never sent, nothing twice, every payload exactly as sent, and
SQLite's integrity_check says ok.

    python -m bench.crash --backend sqlite --kills 20 --min-acknowledged 1000
    python -m bench.crash --backend postgres --kills 20 --min-acknowledged 1000

The tests run the same trial in a short form (tests/service/test_crash_durability.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench.report import markdown_table, say
from testkit.crash import APPLICATION_NAME, CrashReport, run_trial
from testkit.postgres import POSTGRES_URL, fresh_schema
from testkit.service import Deployment


def report_table(report: CrashReport) -> str:
    rows = [
        ("backend", report.backend),
        ("server SIGKILLs", report.server_kills),
        ("database SIGKILLs", report.database_kills),
        ("submissions sent", report.sent),
        ("acknowledged", report.acknowledged),
        ("requests cut off by a kill, then sent again", report.cut_off),
        ("stored", report.stored),
        ("seen on the staff dashboard", report.seen_by_staff),
        ("acknowledged but missing", len(report.missing)),
        ("stored but never sent", len(report.unexpected)),
        ("duplicates", len(report.duplicates)),
        ("payloads changed", len(report.damaged)),
        ("SQLite integrity_check", report.integrity),
        ("wall time (s)", f"{report.seconds:.1f}"),
    ]
    return markdown_table(["Measure", "Value"], rows, "lr")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--min-acknowledged", type=int, default=1000)
    parser.add_argument("--visitors", type=int, default=6)
    parser.add_argument("--database-kill-every", type=int, default=4)
    args = parser.parse_args(argv)

    from testkit.site import built_site

    with tempfile.TemporaryDirectory() as tmp:
        site = built_site(Path(tmp) / "site")
        if args.backend == "sqlite":
            deployment = Deployment(site, f"sqlite:///{Path(tmp) / 'intake.sqlite3'}")
            report = run_trial(
                deployment,
                kills=args.kills,
                min_acknowledged=args.min_acknowledged,
                visitors=args.visitors,
                log=say,
            )
        else:
            with fresh_schema(args.postgres_url, APPLICATION_NAME) as url:
                report = run_trial(
                    Deployment(site, url),
                    kills=args.kills,
                    min_acknowledged=args.min_acknowledged,
                    visitors=args.visitors,
                    kill_database_every=args.database_kill_every,
                    log=say,
                )
    print(report_table(report))
    problems = report.problems(args.kills, args.min_acknowledged)
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
