"""Consultation requests stored per second under load, against a ceiling that stores nothing.

What it measures: `wrk` on loopback sends valid consultation requests (POST /consultation/) to
gunicorn as fast as the service answers them, for a fixed time, against three targets in the
same run, one after the other, each on a server of its own with the same gunicorn settings:

- ceiling: bench/ceiling.py, the real application whose submission store stores nothing. The
  view, the CSRF check, the validation, the log line, the session and the 303 are the same code;
  only `SubmissionStore.add` (encryption, INSERT, commit) is left out.
- SQLite: the real service on a SQLite file (WAL, synchronous=FULL: an fsync per commit).
- PostgreSQL: the real service on the local PostgreSQL server, in a schema of its own.

It reports acknowledged submissions (303 to /received/) per second and wrk's p50/p99 latency,
each as a ratio to the ceiling: stored/ceiling is the share of the service's capacity that
storing leaves, and the ceiling is the most any storage could give this view on this machine.

Why: a submission is acknowledged only after its commit, so the commit's cost is paid by the
person pressing Send. These figures say what that costs, and how far from its ceiling the
service is on each database.

Every request is a real submission: a CSRF token and session cookie are obtained first (GET
/consultation/, then one checked POST), and bench/load_submit.lua sends the sample answers with
a form_id of its own per request (the service stores a repeated form_id only once). The rate
limit is out of the way (the harness's Deployment sets FORM_RATE_LIMIT far above any load).
After each run the script checks, and fails loudly otherwise, that wrk got nothing but 303s to
/received/ (no errors, no "Non-2xx or 3xx responses"), that each 303 names a reference of its
own (read from the session cookie it set) and that every one of them is in the database, read
back through the storage layer. wrk stops with up to one request per connection still in
flight: those may be stored without wrk reading their 303, so the stored count may exceed the
303s by at most the number of connections; the table shows the difference.

    cd /work/main && .venv/bin/python -m bench.load
    .venv/bin/python -m bench.load --seconds 15 --warmup 3 --workers 2 --threads 4 \\
        --wrk-threads 1 --connections 8 --backends ceiling sqlite postgres

On a 2-core machine, wrk (one thread) shares the cores with gunicorn and, for the PostgreSQL
target, with PostgreSQL itself. So the table also gives the CPU time gunicorn (master and
workers) and PostgreSQL (all its processes) used per acknowledged request, and "other CPU": the
cores busy with anything else meanwhile (other programs, and kernel time charged to no process).
With 2 cores, gunicorn + PostgreSQL + wrk + other near 2 means the run was CPU-bound.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

from bench.report import (
    WRK,
    load_average,
    machine_table,
    markdown_table,
    ms,
    percentile,
    postgres_version,
    ratio,
    say,
    service_machine_info,
    service_run_info,
    wrk_version,
)
from intake_server.services import services
from testkit.clients import CONSULTATION, Visitor
from testkit.postgres import POSTGRES_URL, database_url
from testkit.service import Deployment, Service

LUA = Path(__file__).resolve().with_name("load_submit.lua")
CEILING_APP = "bench.ceiling:create_ceiling_app()"
SERVICE_APP = "intake_server:create_app()"
LABELS = {"ceiling": "ceiling (no storage)", "sqlite": "SQLite", "postgres": "PostgreSQL"}


@dataclass
class WrkRun:
    """What wrk and load_submit.lua saw during one run."""

    seconds: float
    requests: int
    statuses: dict[int, int]
    errors: dict[str, int]
    latency_us: dict[str, float]
    cookies: list[str]
    bad_locations: int
    non_2xx_3xx: int
    output: str
    wrk_cpu_seconds: float = 0.0

    @property
    def acknowledged(self) -> int:
        return self.statuses.get(303, 0)

    @property
    def per_second(self) -> float:
        return self.acknowledged / self.seconds if self.seconds else math.nan


# --- CPU accounting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds used so far: by gunicorn (master and workers), by every PostgreSQL process,
    and by the whole machine (busy and total, all cores), from /proc."""

    gunicorn: float
    postgres: float
    busy: float
    total: float

    @classmethod
    def take(cls, gunicorn_pid: int) -> CpuSnapshot:
        tick = float(os.sysconf("SC_CLK_TCK"))
        children: dict[int, list[int]] = {}
        used: dict[int, float] = {}
        postgres = 0.0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            pid = int(entry.name)
            used[pid] = (int(fields[11]) + int(fields[12])) / tick
            children.setdefault(int(fields[1]), []).append(pid)
            if name == "postgres":
                postgres += used[pid]
        gunicorn, todo = 0.0, [gunicorn_pid]
        while todo:
            pid = todo.pop()
            gunicorn += used.get(pid, 0.0)
            todo += children.get(pid, [])
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
        idle = values[3] + values[4]  # idle and iowait
        return cls(gunicorn, postgres, (sum(values) - idle) / tick, sum(values) / tick)

    def __sub__(self, other: CpuSnapshot) -> CpuSnapshot:
        return CpuSnapshot(
            self.gunicorn - other.gunicorn,
            self.postgres - other.postgres,
            self.busy - other.busy,
            self.total - other.total,
        )


@dataclass
class Outcome:
    """One target's measured run and what the database says about it."""

    backend: str
    run: WrkRun
    stored: int  # rows the run added (0 expected for the ceiling)
    in_flight: int  # stored, but wrk stopped before reading their 303
    cpu: CpuSnapshot  # used during the measured run


# --- wrk ---------------------------------------------------------------------------------------


def run_wrk(
    url: str,
    cookie: str,
    answers: dict[str, str],
    *,
    seconds: int,
    threads: int,
    connections: int,
    timeout: int = 30,
) -> WrkRun:
    """One wrk run of load_submit.lua against POST /consultation/."""
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        report = Path(tmp) / "wrk.json"
        command = [
            WRK,
            "--threads",
            str(threads),
            "--connections",
            str(connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            f"{timeout}s",
            "--latency",
            "--script",
            str(LUA),
            f"{url}/consultation/",
            "--",
            cookie,
            f"load{secrets.token_hex(4)}",
            str(report),
            *(f"{name}={value}" for name, value in answers.items()),
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 120, check=False
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        output = done.stdout + done.stderr
        if done.returncode != 0 or not report.exists():
            raise RuntimeError(f"wrk failed (exit {done.returncode}):\n{output}")
        data = json.loads(report.read_text(encoding="utf-8"))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    return WrkRun(
        seconds=data["duration_us"] / 1e6,
        requests=data["requests"],
        statuses={int(k): v for k, v in data["statuses"].items()},
        errors=data["errors"],
        latency_us=data["latency_us"],
        cookies=data["acknowledged"],
        bad_locations=data["bad_locations"],
        non_2xx_3xx=int(non_2xx[1]) if non_2xx else 0,
        output=done.stdout,
        wrk_cpu_seconds=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    )


def wrk_problems(run: WrkRun) -> list[str]:
    """Anything but a 303 to /received/ for every request wrk finished."""
    problems = []
    if run.non_2xx_3xx:
        problems.append(f"wrk: Non-2xx or 3xx responses: {run.non_2xx_3xx}")
    errors = {name: n for name, n in run.errors.items() if n}
    if errors:
        problems.append(f"wrk socket or status errors: {errors}")
    others = {status: n for status, n in run.statuses.items() if status != 303}
    if others:
        problems.append(f"responses other than 303: {others}")
    if run.bad_locations:
        problems.append(f"{run.bad_locations} redirects went somewhere other than /received/")
    if not run.acknowledged:
        problems.append("not one submission was acknowledged")
    return problems


# --- The database ------------------------------------------------------------------------------


class Ledger:
    """What the deployment's database holds, read through the storage layer."""

    def __init__(self, deployment: Deployment) -> None:
        self.app = deployment.app()
        self.serializer = self.app.session_interface.get_signing_serializer(self.app)

    def references(self) -> set[str]:
        import sqlalchemy as sa

        from intake_server.storage.models import Submission

        with services(self.app).engine.connect() as conn:
            return set(conn.scalars(sa.select(Submission.reference)))

    def settled_count(self, quiet: float = 0.5, limit: float = 30.0) -> int:
        """How many submissions are stored, once the requests wrk left in flight have finished."""
        deadline = time.monotonic() + limit
        count = len(self.references())
        while time.monotonic() < deadline:
            time.sleep(quiet)
            again = len(self.references())
            if again == count:
                return count
            count = again
        return count

    def receipt(self, set_cookie: str) -> str | None:
        """The reference a 303's session cookie names (the service puts it there)."""
        cookie = SimpleCookie()
        cookie.load(set_cookie)
        morsel = cookie.get(self.app.config["SESSION_COOKIE_NAME"])
        if morsel is None:
            return None
        return self.serializer.loads(morsel.value).get("receipt")

    def dispose(self) -> None:
        services(self.app).engine.dispose()


def storage_problems(
    ledger: Ledger, run: WrkRun, before: set[str], connections: int, stores: bool
) -> tuple[int, int, list[str]]:
    """(stored, in flight, problems): every 303 names its own reference, each one is stored,
    and nothing else was stored but the requests wrk left in flight (at most one a connection)."""
    count = ledger.settled_count()
    new = ledger.references() - before
    problems = []
    if count != len(before) + len(new):
        problems.append(f"count() says {count}, the table lists {len(before) + len(new)}")
    if not stores:
        if new:
            problems.append(f"the ceiling stored {len(new)} submissions")
        return len(new), 0, problems
    named = [ledger.receipt(cookie) for cookie in run.cookies]
    if None in named:
        problems.append(f"{named.count(None)} acknowledgements carry no reference")
    acknowledged = {reference for reference in named if reference}
    if len(acknowledged) != len(named):
        problems.append(f"{len(named) - len(acknowledged)} 303s repeat another's reference")
    missing = acknowledged - new
    if missing:
        problems.append(f"{len(missing)} acknowledged submissions are not stored")
    in_flight = len(new - acknowledged)
    if in_flight > connections:
        problems.append(
            f"stored {len(new)} for {run.acknowledged} 303s: {in_flight} more than acknowledged, "
            f"but at most {connections} requests (one a connection) can be in flight at the end"
        )
    return len(new), in_flight, problems


# --- One target --------------------------------------------------------------------------------


@contextmanager
def deployment_for(backend: str, site: Path, tmp: Path, postgres_url: str) -> Iterator[Deployment]:
    """The ceiling reads nothing and writes nothing, but create_app() needs a database: SQLite."""
    with database_url(backend, tmp, backend, postgres_url) as url:
        yield Deployment(site, url)


def measure(
    backend: str, deployment: Deployment, args: argparse.Namespace, say: Callable[[str], None]
) -> Outcome:
    deployment.upgrade()
    stores = backend != "ceiling"
    app = CEILING_APP if not stores else SERVICE_APP
    ledger = Ledger(deployment)
    try:
        with Service(deployment, workers=args.workers, threads=args.threads, app=app) as service:
            # A token and a session cookie, from the form page; one POST proves they are good.
            visitor = Visitor(service.url)
            try:
                first = visitor.send(CONSULTATION, f"load-check-{secrets.token_hex(8)}")
                if not Visitor.acknowledged(first):
                    raise RuntimeError(f"a valid submission got HTTP {first.status_code}")
                cookie = "; ".join(f"{k}={v}" for k, v in visitor.http.cookies.items())
                answers = {**CONSULTATION, "csrf_token": visitor.token or ""}
            finally:
                visitor.close()
            runs = [("warm-up", args.warmup)] if args.warmup else []
            for label, seconds in [*runs, ("measured", args.seconds)]:
                before = ledger.references()
                pid = service.process.pid if service.process else 0
                cpu_before = CpuSnapshot.take(pid)
                say(f"{LABELS[backend]}: {label} run, {seconds} s")
                run = run_wrk(
                    service.url,
                    cookie,
                    answers,
                    seconds=seconds,
                    threads=args.wrk_threads,
                    connections=args.connections,
                )
                cpu = CpuSnapshot.take(pid) - cpu_before
                stored, in_flight, problems = storage_problems(
                    ledger, run, before, args.connections, stores
                )
                problems = wrk_problems(run) + problems
                if problems:
                    say(run.output)
                    say(service.log_tail())
                    raise SystemExit(
                        f"FAIL ({LABELS[backend]}, {label} run):\n  " + "\n  ".join(problems)
                    )
            return Outcome(backend, run, stored, in_flight, cpu)
    finally:
        ledger.dispose()


def encrypt_microseconds(rounds: int = 2000) -> float:
    """The median time to encrypt the sample answers, the one CPU cost of storing that is not
    the database's (the ceiling skips it too)."""
    from intake_server.storage import Keyring, generate_key

    keyring = Keyring([generate_key()])
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        keyring.encrypt(CONSULTATION)
        times.append(time.perf_counter() - started)
    return percentile(times, 50) * 1e6


# --- Report ------------------------------------------------------------------------------------


def table(outcomes: list[Outcome]) -> str:
    ceiling = next((o for o in outcomes if o.backend == "ceiling"), None)
    rows = []
    for o in outcomes:
        run = o.run
        p50, p99 = run.latency_us["p50"] / 1e6, run.latency_us["p99"] / 1e6
        base = ceiling.run if ceiling else None
        per = max(1, run.acknowledged)
        other = o.cpu.busy - o.cpu.gunicorn - o.cpu.postgres - run.wrk_cpu_seconds
        rows.append(
            [
                LABELS[o.backend],
                f"{run.per_second:,.0f}",
                ratio(run.per_second, base.per_second) if base else "-",
                ms(p50),
                ratio(p50, base.latency_us["p50"] / 1e6) if base else "-",
                ms(p99),
                ratio(p99, base.latency_us["p99"] / 1e6) if base else "-",
                f"{run.acknowledged:,}",
                f"{o.stored:,}" + (f" (+{o.in_flight} in flight)" if o.in_flight else ""),
                f"{o.cpu.gunicorn * 1000 / per:.2f}",
                f"{o.cpu.postgres * 1000 / per:.2f}" if o.backend == "postgres" else "-",
                f"{other / run.seconds:.2f}",
            ]
        )
    return markdown_table(
        [
            "Target",
            "Stored/s",
            "vs ceiling",
            "p50 (ms)",
            "vs ceiling",
            "p99 (ms)",
            "vs ceiling",
            "303s",
            "Rows stored",
            "gunicorn CPU ms/req",
            "PostgreSQL CPU ms/req",
            "Other CPU (cores)",
        ],
        rows,
        "lrrrrrrrrrrr",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15, help="measured run per target")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up run per target (seconds)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=("ceiling", "sqlite", "postgres"),
        default=["ceiling", "sqlite", "postgres"],
    )
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args(argv)
    if "ceiling" in args.backends:  # the baseline first, in the order of the table
        args.backends = ["ceiling", *(b for b in args.backends if b != "ceiling")]

    from testkit.site import built_site

    load_at_start = load_average()

    outcomes = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp_name:
        tmp = Path(tmp_name)
        say("building the site")
        site = built_site(tmp / "site")
        for backend in args.backends:
            with deployment_for(backend, site, tmp, args.postgres_url) as deployment:
                outcomes.append(measure(backend, deployment, args, say))

    extra = {
        "wrk": wrk_version(),
        **service_run_info(load_at_start, args.workers, args.threads),
        "wrk settings": (
            f"--threads {args.wrk_threads} --connections {args.connections} "
            f"--duration {args.seconds}s (after a {args.warmup} s warm-up), load_submit.lua"
        ),
    }
    if "postgres" in args.backends:
        extra["PostgreSQL"] = postgres_version(args.postgres_url)
    print(f"### Consultation submissions under load ({args.seconds} s per target)\n")
    print(table(outcomes))
    print()
    print(
        "Ratios are against the ceiling measured in the same run: the same view and gunicorn "
        "settings with a store that stores nothing (bench/ceiling.py). Every 303 was checked "
        'against the database; "in flight" are requests stored whose 303 wrk never read '
        "because it stopped. CPU columns: CPU time per acknowledged request; other CPU is what "
        "the rest of the machine used meanwhile, in cores (the machine has "
        f"{os.cpu_count()}). Encrypting one submission (Fernet) takes "
        f"{encrypt_microseconds():.0f} µs in-process; wrk itself used "
        + ", ".join(
            f"{o.run.wrk_cpu_seconds / o.run.seconds:.0%} of a core ({LABELS[o.backend]})"
            for o in outcomes
        )
        + "."
    )
    print()
    print(machine_table(service_machine_info(extra)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
