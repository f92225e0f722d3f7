"""The staff queue page with 100,000 submissions in the database, against the same page with 100.

What it measures: the latency of GET /staff/ (the intake queue) as a signed-in member of staff
sees it, served by gunicorn, with 100,000 submissions in the database against the same page with
100 (the baseline, measured in the same run on a server of its own with the same settings), on
SQLite and on PostgreSQL. Five views, because they are what staff click:

- the queue as it opens (open submissions, urgent first, then oldest first; page 1),
- urgent only (open and urgent; page 1),
- closed only (page 1: the closed ones are most of the table, and are not counted),
- a page deep in the list (Everything, page 1000 = rows 49,951 to 50,000), reached by its
  "Next page" link (after the last row of page 999),
- the same deep page reached by a "Previous page" link (before the first row of page 1001).

With 100 submissions the deep pages are the last page of Everything, so both sizes show rows.
The queue pages by key, so the deep pages' links carry a row's place (`after=`, `before=`); the
benchmark finds that row in-process with OFFSET once, then asks for the page as a link would.

Both databases are served at once, each by its own gunicorn; one client sends each view's
requests to the two in turn (20 warm-up, then 300 measured each, by default), so a change in the
shared machine's load falls on both sizes alike. The table gives p50 and p99 with the ratio
100k/100. Closed only shows no rows at 100 (the baseline clinic has closed nothing yet), so it is
left out of the verdict; its statement time is in the diagnosis. The staff member signs in over HTTP with
a password and an authenticator code (StaffBrowser), like a person would.

Why: the queue promises to stay fast at any size (it shows metadata only and never decrypts),
and a clinic's database only grows. A page that is much slower at 100,000 rows than at 100 is a
missing index or a query that reads every row.

The 100,000 submissions are written in bulk through SQLAlchemy with the service's own models and
keyring (one transaction, then ANALYZE; VACUUM ANALYZE on PostgreSQL), spread like three years
of a busy clinic: about 90 a day,
a quarter of them assessments, 8% urgent; those of the last two weeks mostly open and the older
ones mostly closed with an outcome (3% of them left open: a real backlog), answers purged from
those closed more than a year ago, as the retention job would. The 100-submission baseline is the
same clinic's first day: its most recent 100 submissions, all open.

Then it shows where the time goes at 100,000: it captures the SQL WorkStore.queue sends for each
view and times each statement alone in-process. Its first run found the deep page sorting every
row (migration 0003 added the index in the queue's order); its second found OFFSET paging and the
count per status over every row (the queue now pages by key and counts the open statuses only).
For the views more than --explain-above times slower at 100,000 (2 by default, the promise) it
prints the database's plans (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL), with
the counts per status.

    cd /work/main && .venv/bin/python -m bench.queue
    .venv/bin/python -m bench.queue --backend sqlite --requests 300 --warmup 20 --size 100000
    .venv/bin/python -m bench.queue --backend postgres --wrk-seconds 10

Run it as a module (python -m bench.queue): run as a file, bench/ would come first on sys.path
and this module would hide the standard library's `queue`.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
from intake_server.staff.queue_views import PER_PAGE
from testkit.clients import CONSULTATION, StaffBrowser, create_enrolled_account
from testkit.postgres import POSTGRES_URL, database_url
from testkit.service import Deployment, Service

STAFF_EMAIL = "queue-bench@example.org"
STAFF_PASSWORD = "harbour lantern meadow copper"
COLLEAGUES = 5
DEEP_PAGE = 1000
PER_DAY = 90
ROW_LINK = re.compile(r'href="/staff/submissions/[A-Z0-9-]+"')
LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


@dataclass(frozen=True)
class View:
    name: str
    params: dict[str, str]
    # "after" or "before": the deep page, reached by the link that carries that key
    deep: str | None = None

    def query(self, app: Any, size: int) -> dict[str, str]:
        """The query string, as the page's own link would carry it: for a deep view, the key
        of the row the link pages from (found once with OFFSET, in-process)."""
        if self.deep is None:
            return dict(self.params)
        last_page = max(1, -(-size // PER_PAGE))
        page = min(DEEP_PAGE, last_page)
        # "Next page" from page-1 pages after its last row; "Previous page" from page+1 pages
        # before its first row (the last row, when the page is the last one).
        position = (page - 1) * PER_PAGE - 1 if self.deep == "after" else page * PER_PAGE
        return {**self.params, self.deep: key_at(app, min(position, size - 1)), "page": str(page)}


def key_at(app: Any, position: int) -> str:
    """The link text of the key of the row at `position` (from 0) in the queue's order."""
    import sqlalchemy as sa

    from intake_server.staff.arguments import key_text
    from intake_server.storage import QueueKey
    from intake_server.storage.models import Submission
    from intake_server.storage.work import QUEUE_ORDER

    with services(app).engine.connect() as conn:
        row = conn.execute(
            sa.select(Submission.urgent, Submission.received_at, Submission.id)
            .order_by(*QUEUE_ORDER)
            .offset(position)
            .limit(1)
        ).one()
    return key_text(QueueKey(bool(row.urgent), row.received_at, row.id))


VIEWS = [
    View("Queue as it opens (open, page 1)", {}),
    View("Urgent only (open, page 1)", {"urgent": "yes"}),
    View("Closed only (page 1)", {"status": "closed"}),
    View(f"Deep page by Next (Everything, page {DEEP_PAGE})", {"status": "all"}, deep="after"),
    View(f"Deep page by Previous (Everything, page {DEEP_PAGE})", {"status": "all"}, deep="before"),
]


@dataclass
class Timing:
    view: View
    size: int
    query: dict[str, str]
    seconds: list[float]
    rows_shown: int
    total_shown: str
    wrk: dict[str, float] = field(default_factory=dict)

    @property
    def p50(self) -> float:
        return percentile(self.seconds, 50)

    @property
    def p99(self) -> float:
        return percentile(self.seconds, 99)


# --- Filling the database ----------------------------------------------------------------------


def status_for(age_days: float, rng: random.Random) -> str:
    """What a submission of this age is likely to be at in a clinic that keeps up."""
    if age_days < 2:
        return rng.choices(["new", "in_progress", "contacted"], [60, 30, 10])[0]
    if age_days < 14:
        return rng.choices(
            ["new", "in_progress", "contacted", "evaluation_scheduled", "closed"],
            [5, 25, 35, 25, 10],
        )[0]
    return rng.choices(
        ["in_progress", "contacted", "evaluation_scheduled", "closed"], [1, 1, 1, 97]
    )[0]


def fill(app: Any, size: int, seed: int, say: Callable[[str], None]) -> dict[str, int]:
    """`size` submissions, the newest `size` of a clinic receiving PER_DAY a day, inserted in
    one transaction through the service's models and keyring; then ANALYZE. Returns the counts
    per status."""
    import sqlalchemy as sa

    from intake_server.passwords import hash_password
    from intake_server.storage import Actor
    from intake_server.storage.models import OUTCOMES, StaffUser, Submission
    from intake_server.storage.reference import new_reference

    rng = random.Random(seed)
    keyring = services(app).keyring
    engine = services(app).engine
    actor = Actor(id=None, email="setup", client_addr=None)
    for n in range(COLLEAGUES):
        services(app).staff.create_account(
            f"colleague{n}@example.org", "staff", hash_password(secrets.token_hex(8)), actor
        )
    with engine.connect() as conn:
        staff_ids = list(conn.scalars(sa.select(StaffUser.id)))
    now = datetime.now(UTC)
    started = time.monotonic()
    references: set[str] = set()
    rows: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    for i in range(size):
        age = timedelta(days=i / PER_DAY + rng.random() / PER_DAY)
        received = now - age
        status = status_for(age.total_seconds() / 86400, rng)
        counts[status] += 1
        kind = rng.choices(["consultation", "assessment"], [75, 25])[0]
        reference = new_reference()
        while reference in references:
            reference = new_reference()
        references.add(reference)
        closed = received + timedelta(days=rng.uniform(1, 10)) if status == "closed" else None
        purged = (
            closed + timedelta(days=365) if closed and closed < now - timedelta(days=365) else None
        )
        answers = {**CONSULTATION, "message": f"Sample {i}: he has not left his room much."}
        rows.append(
            {
                "reference": reference,
                "kind": kind,
                "urgent": rng.random() < 0.08,
                "status": status,
                "received_at": received,
                "updated_at": closed or received,
                "idempotency_key": f"bench-{seed}-{i:09d}",
                "payload": None if purged else keyring.encrypt(answers),
                "assignee_id": None if status == "new" else rng.choice(staff_ids),
                "outcome": rng.choice(OUTCOMES) if closed else None,
                "closed_at": closed,
                "purged_at": purged,
            }
        )
    say(f"  {size:,} rows made in {time.monotonic() - started:.1f} s; inserting")
    started = time.monotonic()
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(sa.insert(Submission), rows[start : start + 5000])
    analyse(engine)
    say(f"  inserted and analysed in {time.monotonic() - started:.1f} s")
    return dict(counts)


def analyse(engine: Any) -> None:
    """Fresh planner statistics. On PostgreSQL also VACUUM, as autovacuum would have done by
    the time a database holds this much: it sets the visibility map that index-only scans use.
    Only this run's tables: a bare ANALYZE would visit every schema in the database."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE submissions, staff_users")


# --- Measuring ---------------------------------------------------------------------------------


def sent(query: dict[str, str]) -> dict[str, str]:
    """The query without the page number the report shows (the queue does not read it)."""
    return {name: value for name, value in query.items() if name != "page"}


def timed_get(staff: StaffBrowser, query: dict[str, str]) -> tuple[float, str]:
    """One GET of the queue with `query`: its duration and its HTML."""
    started = time.perf_counter()
    response = staff.http.get("/staff/", params=sent(query))
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or "Intake queue" not in response.text:
        raise SystemExit(f"FAIL: GET /staff/ {query} answered HTTP {response.status_code}")
    return elapsed, response.text


def wrk_page(url: str, cookie: str, query: dict[str, str], seconds: int) -> dict[str, float]:
    """wrk -t1 -c2 with the staff session's cookie: requests/s and p50/p99 in seconds."""
    target = f"{url}/staff/" + (
        "?" + "&".join(f"{k}={v}" for k, v in sent(query).items()) if query else ""
    )
    done = subprocess.run(
        [WRK, "-t1", "-c2", f"-d{seconds}s", "--latency", "-H", f"Cookie: {cookie}", target],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    out = done.stdout
    if done.returncode != 0 or "Non-2xx or 3xx" in out or "Socket errors" in out:
        raise SystemExit(f"FAIL: wrk on {target}:\n{out}{done.stderr}")

    def duration(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not match:
            return float("nan")
        return float(match[1]) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[match[2]]

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return {
        "rate": float(rate[1]) if rate else float("nan"),
        "p50": duration("50"),
        "p99": duration("99"),
    }


@dataclass
class Prepared:
    size: int
    deployment: Deployment
    app: Any
    counts: dict[str, int]
    secret: str


def prepare(deployment: Deployment, size: int, args: argparse.Namespace, say: Callable) -> Prepared:
    """Migrate, fill and make the staff account of one database."""
    deployment.upgrade()
    app = deployment.app()
    counts = fill(app, size, seed=args.seed, say=say)
    secret = create_enrolled_account(services(app).staff, STAFF_EMAIL, "staff", STAFF_PASSWORD)
    return Prepared(size, deployment, app, counts, secret)


def measure(
    small: Prepared, large: Prepared, args: argparse.Namespace, say: Callable[[str], None]
) -> tuple[list[Timing], list[Timing]]:
    """Both databases served by gunicorn at once; each view's requests go to one and then the
    other in turn, so a change in the machine's load (it is shared) falls on both sizes alike
    and the ratio stays fair. Returns the timings of the small and of the large one."""
    timings: tuple[list[Timing], list[Timing]] = ([], [])
    with (
        Service(small.deployment, workers=args.workers, threads=args.threads) as small_service,
        Service(large.deployment, workers=args.workers, threads=args.threads) as large_service,
    ):
        browsers = [StaffBrowser(small_service.url), StaffBrowser(large_service.url)]
        try:
            for browser, prepared in zip(browsers, (small, large), strict=True):
                browser.sign_in(STAFF_EMAIL, STAFF_PASSWORD, prepared.secret)
            for view in VIEWS:
                queries = [view.query(small.app, small.size), view.query(large.app, large.size)]
                say(f"  {view.name}: {args.warmup} + {args.requests} requests each, {queries[1]}")
                seconds: tuple[list[float], list[float]] = ([], [])
                pages = ["", ""]
                for n in range(args.warmup + args.requests):
                    for side in (0, 1):
                        elapsed, pages[side] = timed_get(browsers[side], queries[side])
                        if n >= args.warmup:
                            seconds[side].append(elapsed)
                for side, (prepared, service) in enumerate(
                    ((small, small_service), (large, large_service))
                ):
                    total = re.search(r"<p>(\d+) submissions?\.", pages[side])
                    timing = Timing(
                        view,
                        prepared.size,
                        queries[side],
                        seconds[side],
                        len(ROW_LINK.findall(pages[side])),
                        f"{int(total[1]):,}" if total else "not counted",
                    )
                    if args.wrk_seconds:
                        cookie = "; ".join(
                            f"{k}={v}" for k, v in browsers[side].http.cookies.items()
                        )
                        timing.wrk = wrk_page(service.url, cookie, queries[side], args.wrk_seconds)
                    timings[side].append(timing)
        finally:
            for browser in browsers:
                browser.close()
    return timings


# --- Diagnosis ---------------------------------------------------------------------------------


@dataclass
class Statement:
    view: View
    kind: str  # "counts per open status", "page of rows" or "rows before the page?"
    sql: str
    parameters: Any
    seconds: float = math.nan
    plan: list[str] = field(default_factory=list)


def statement_kind(sql: str) -> str:
    if "GROUP BY" in sql:
        return "counts per open status"
    return "page of rows" if "JOIN" in sql else "rows before the page?"


def queue_statements(app: Any, view: View, size: int) -> list[Statement]:
    """The SQL statements (with parameters) WorkStore.queue sends for this view, captured from
    the engine while it runs."""
    from sqlalchemy import event

    from intake_server.staff import queue_views
    from intake_server.staff.arguments import queue_key

    engine = services(app).engine
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    query = sent(view.query(app, size))
    with app.test_request_context("/staff/", query_string=query):
        filters = queue_views._filters(query)
        after, before = queue_key("after"), queue_key("before")
        event.listen(engine, "before_cursor_execute", capture)
        try:
            services(app).work.queue(filters, me=1, after=after, before=before, per_page=PER_PAGE)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
    return [
        Statement(view, statement_kind(sql), " ".join(sql.split()), parameters)
        for sql, parameters in seen
        if sql.lstrip().upper().startswith("SELECT")
    ]


def timed(app: Any, statement: Statement, rounds: int) -> Statement:
    """The statement run `rounds` times on one connection (median kept), then its plan:
    EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL."""
    engine = services(app).engine
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            conn.exec_driver_sql(statement.sql, statement.parameters).all()
            times.append(time.perf_counter() - started)
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF) "
        plan = conn.exec_driver_sql(prefix + statement.sql, statement.parameters).all()
        conn.rollback()
    statement.seconds = percentile(times, 50)
    statement.plan = [str(row[-1]) for row in plan]
    return statement


def diagnose(app: Any, slow: list[View], size: int, threshold: float, rounds: int) -> list[str]:
    """Markdown: where the time of every view goes, statement by statement, and the plans of
    the statements of the `slow` views."""
    now = [timed(app, s, rounds) for view in VIEWS for s in queue_statements(app, view, size)]
    rows = [[s.view.name, s.kind, ms(s.seconds, 2)] for s in now]
    plans = [
        f"-- {s.view.name}: {s.kind}\n{s.sql}\n" + "\n".join(s.plan) for s in now if s.view in slow
    ]
    names = ", ".join(view.name for view in slow) or "none"
    out = [
        f"Where the time goes at {size:,} submissions: each SQL statement WorkStore.queue sends "
        "for each view, run alone in-process on one connection (median ms).",
        "",
        markdown_table(["View", "Statement", "Time (ms)"], rows, "llr"),
    ]
    if plans:
        out += [
            "",
            f"Plans for the views more than {threshold:g}x slower at {size:,} ({names}):",
            "",
            "```text\n" + "\n\n".join(plans) + "\n```",
        ]
    return out


# --- Report ------------------------------------------------------------------------------------


def results_table(backend: str, small: list[Timing], large: list[Timing], wrk: bool) -> str:
    def shown(timing: Timing) -> str:
        page = f" (page {timing.query['page']})" if timing.view.deep else ""
        return f"{timing.rows_shown} of {timing.total_shown}{page}"

    rows = []
    for base, big in zip(small, large, strict=True):
        row = [
            base.view.name,
            shown(base),
            shown(big),
            ms(base.p50),
            ms(big.p50),
            ratio(big.p50, base.p50),
            ms(base.p99),
            ms(big.p99),
            ratio(big.p99, base.p99),
        ]
        if wrk:
            row += [
                f"{base.wrk['rate']:.0f}",
                f"{big.wrk['rate']:.0f}",
                ratio(big.wrk["rate"], base.wrk["rate"]),
            ]
        rows.append(row)
    n_small, n_large = f"{small[0].size:,}", f"{large[0].size:,}"
    headers = [
        f"{LABELS[backend]}: view",
        f"Rows shown ({n_small})",
        f"Rows shown ({n_large})",
        f"p50 {n_small} (ms)",
        f"p50 {n_large} (ms)",
        "p50 ratio",
        f"p99 {n_small} (ms)",
        f"p99 {n_large} (ms)",
        "p99 ratio",
    ]
    if wrk:
        headers += [f"wrk req/s {n_small}", f"wrk req/s {n_large}", "req/s ratio"]
    return markdown_table(headers, rows, "lrrrrrrrrrrr")


def run_backend(
    backend: str, site: Path, tmp: Path, args: argparse.Namespace, say: Callable[[str], None]
) -> list[str]:
    """The Markdown this backend adds to the report."""
    out: list[str] = []
    with (
        database_url(backend, tmp, f"queue-{args.baseline}", args.postgres_url) as small_url,
        database_url(backend, tmp, f"queue-{args.size}", args.postgres_url) as large_url,
    ):
        prepared = []
        for size, url in ((args.baseline, small_url), (args.size, large_url)):
            say(f"{LABELS[backend]}, {size:,} submissions")
            prepared.append(prepare(Deployment(site, url), size, args, say))
        small, large = prepared
        say(f"{LABELS[backend]}: timing both sizes in turn")
        small_timings, large_timings = measure(small, large, args, say)
        out.append(results_table(backend, small_timings, large_timings, bool(args.wrk_seconds)))
        pairs = list(zip(small_timings, large_timings, strict=True))
        worst = max(big.p50 / base.p50 for base, big in pairs if base.rows_shown)
        out += [
            "",
            f"Slowest view at {args.size:,} against {args.baseline:,}, among the views that show "
            f"rows at both sizes: {worst:.2f}x at p50 "
            f"({'within' if worst <= 2 else 'NOT within'} the 2x the queue promises).",
            "",
            f"Counts per status ({args.size:,} submissions): "
            + ", ".join(f"{status} {n:,}" for status, n in sorted(large.counts.items()))
            + ".",
        ]
        slow = [big.view for base, big in pairs if big.p50 > args.explain_above * base.p50]
        say(f"  explaining; more than {args.explain_above:g}x slower: {len(slow)} views")
        out.append("")
        out += diagnose(large.app, slow, args.size, args.explain_above, args.explain_rounds)
        for side in prepared:
            services(side.app).engine.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--size", type=int, default=100_000, help="submissions in the big database")
    parser.add_argument("--baseline", type=int, default=100, help="submissions in the baseline")
    parser.add_argument("--requests", type=int, default=300, help="measured requests per view")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per view")
    parser.add_argument("--wrk-seconds", type=int, default=0, help="also run wrk (0: do not)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--explain-above", type=float, default=2.0, help="ratio that is explained")
    parser.add_argument("--explain-rounds", type=int, default=15, help="runs per statement")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]

    from testkit.site import built_site

    load_at_start = load_average()

    sections: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp_name:
        tmp = Path(tmp_name)
        say("building the site")
        site = built_site(tmp / "site")
        for backend in backends:
            sections += run_backend(backend, site, tmp, args, say)
            sections.append("")

    extra = {
        **service_run_info(load_at_start, args.workers, args.threads),
        "client": (
            f"one httpx client per size, requests to the two sizes in turn, {args.warmup} "
            f"warm-up + {args.requests} measured requests per view and size"
        ),
    }
    if args.wrk_seconds:
        extra["wrk"] = wrk_version()
        extra["wrk settings"] = f"-t1 -c2 -d{args.wrk_seconds}s, staff session cookie"
    if "postgres" in backends:
        extra["PostgreSQL"] = postgres_version(args.postgres_url)
    print(f"### The staff queue: {args.size:,} submissions against {args.baseline:,}\n")
    print("\n".join(sections).rstrip())
    print()
    print(machine_table(service_machine_info(extra)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
