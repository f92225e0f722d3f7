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

The tests run the same trial in a short form (tests/test_crash_durability.py).
"""

from __future__ import annotations

import argparse
import random
import re
import secrets
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.postgres import POSTGRES_URL, fresh_schema
from bench.report import markdown_table, say
from bench.service import (
    CONSULTATION,
    Deployment,
    Service,
    StaffBrowser,
    Visitor,
    create_enrolled_account,
)

MARKER = re.compile(r"crash-marker-([0-9a-f]{24})")
STAFF_EMAIL = "crash-check@example.org"
STAFF_PASSWORD = "lantern orchard copper tidal"
APPLICATION_NAME = "intake-crash-trial"


def answers_for(marker: str) -> dict[str, str]:
    """Answers unique to this marker in two free-text fields, with text outside ASCII too."""
    return {
        **CONSULTATION,
        "requester_name": f"María Ñandú {marker[:6]}",
        "message": f"crash-marker-{marker} — he has not left his room much this month.",
    }


@dataclass
class CrashReport:
    backend: str
    server_kills: int = 0
    database_kills: int = 0
    sent: int = 0
    acknowledged: int = 0
    stored: int = 0
    seen_by_staff: int = 0
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)
    integrity: str = "not checked"
    visitor_errors: list[str] = field(default_factory=list)
    cut_off: int = 0
    seconds: float = 0.0

    def problems(self, min_kills: int, min_acknowledged: int) -> list[str]:
        found = []
        if self.server_kills < min_kills:
            found.append(f"only {self.server_kills} server kills (at least {min_kills} needed)")
        if self.acknowledged < min_acknowledged:
            found.append(f"only {self.acknowledged} acknowledged (at least {min_acknowledged})")
        for name in ("missing", "unexpected", "duplicates", "damaged", "visitor_errors"):
            if getattr(self, name):
                found.append(f"{name}: {getattr(self, name)[:5]}")
        if self.seen_by_staff != self.stored:
            found.append(f"staff saw {self.seen_by_staff} of {self.stored} stored submissions")
        if self.integrity not in ("ok", "not applicable"):
            found.append(f"integrity_check: {self.integrity}")
        return found

    def table(self) -> str:
        rows = [
            ("backend", self.backend),
            ("server SIGKILLs", self.server_kills),
            ("database SIGKILLs", self.database_kills),
            ("submissions sent", self.sent),
            ("acknowledged", self.acknowledged),
            ("requests cut off by a kill, then sent again", self.cut_off),
            ("stored", self.stored),
            ("seen on the staff dashboard", self.seen_by_staff),
            ("acknowledged but missing", len(self.missing)),
            ("stored but never sent", len(self.unexpected)),
            ("duplicates", len(self.duplicates)),
            ("payloads changed", len(self.damaged)),
            ("SQLite integrity_check", self.integrity),
            ("wall time (s)", f"{self.seconds:.1f}"),
        ]
        return markdown_table(["Measure", "Value"], rows, "lr")


class Traffic:
    """Visitors in threads; what they sent and what was acknowledged, by marker."""

    def __init__(self, url: str, visitors: int) -> None:
        self.url = url
        self.sent: dict[str, dict[str, str]] = {}
        self.acknowledged: set[str] = set()
        self.errors: list[str] = []
        self.cut_off = 0  # requests the server accepted, then died before answering
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._visit, daemon=True) for _ in range(visitors)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def count(self) -> int:
        with self.lock:
            return len(self.acknowledged)

    def _visit(self) -> None:
        visitor = Visitor(self.url, timeout=15)
        try:
            while not self.stopping.is_set():
                marker = secrets.token_hex(12)
                answers = answers_for(marker)
                with self.lock:
                    self.sent[marker] = answers  # sent from the moment it may reach the server
                self._send_until_acknowledged(visitor, marker, answers)
        except Exception as exc:  # a visitor that dies must fail the run, not vanish
            with self.lock:
                self.errors.append(f"visitor stopped: {exc.__class__.__name__}: {exc}")
        finally:
            visitor.close()

    def _send_until_acknowledged(self, visitor: Visitor, marker: str, answers: dict) -> None:
        """The same form again after any failure, until it is acknowledged or the run ends."""
        while not self.stopping.is_set():
            try:
                visitor.fetch_token()
            except (httpx.HTTPError, AssertionError):
                time.sleep(0.02)  # the server is down or restarting: no form to fetch yet
                continue
            try:
                response = visitor.send(answers, marker)
            except httpx.ConnectError:
                time.sleep(0.02)  # the server is down
                continue
            except httpx.HTTPError:
                with self.lock:
                    self.cut_off += 1  # it died mid-request: was it stored? Send it again.
                continue
            if Visitor.acknowledged(response):
                with self.lock:
                    self.acknowledged.add(marker)
                return
            if response.status_code in (400, 502, 503):
                time.sleep(0.02)  # a new token, or the database is restarting
                continue
            with self.lock:
                self.errors.append(f"HTTP {response.status_code} for a valid request")
            return


def kill_database_backend(database_url: str) -> bool:
    """SIGKILL one PostgreSQL backend serving the trial; PostgreSQL then restarts them all."""
    import os

    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            pids = conn.scalars(
                sa.text(
                    "select pid from pg_stat_activity "
                    "where application_name = :name and pid <> pg_backend_pid()"
                ),
                {"name": APPLICATION_NAME},
            ).all()
    finally:
        engine.dispose()
    pid = random.choice(pids) if pids else None
    # A pid from the database means this machine's process only if PostgreSQL runs here.
    if pid is None or Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
        return False
    try:
        os.kill(pid, signal.SIGKILL)
    except PermissionError:
        raise SystemExit("killing PostgreSQL's processes needs root or the postgres user") from None
    return True


def run_trial(
    deployment: Deployment,
    *,
    kills: int,
    min_acknowledged: int,
    visitors: int = 6,
    pause: tuple[float, float] = (0.2, 0.8),
    kill_database_every: int = 0,
    timeout: float = 600.0,
    log: Any = say,
) -> CrashReport:
    """Send under fire, then read back. `kill_database_every=n` also kills a PostgreSQL backend
    after every n-th server kill, while the server is up and taking requests."""
    report = CrashReport(backend=deployment.database_url.split(":", 1)[0].split("+")[0])
    started = time.monotonic()
    deployment.upgrade()
    service = Service(deployment).start()
    traffic = Traffic(service.url, visitors)
    traffic.start()
    try:
        while (
            report.server_kills < kills or traffic.count() < min_acknowledged
        ) and time.monotonic() - started < timeout:
            time.sleep(random.uniform(*pause))
            if report.server_kills >= kills:
                continue  # enough kills; let the acknowledgements catch up
            if kill_database_every and report.server_kills % kill_database_every == 0:
                report.database_kills += kill_database_backend(deployment.database_url)
                time.sleep(random.uniform(*pause))
            service.kill()
            report.server_kills += 1
            service.start()
            log(f"kill {report.server_kills}: {traffic.count()} acknowledged so far")
        traffic.stop()
        report.sent = len(traffic.sent)
        report.acknowledged = len(traffic.acknowledged)
        report.visitor_errors = traffic.errors
        report.cut_off = traffic.cut_off
        read_back(deployment, service, traffic, report)
    finally:
        traffic.stopping.set()
        service.stop()
        service.log.unlink(missing_ok=True)
    report.seconds = time.monotonic() - started
    return report


def read_back(
    deployment: Deployment, service: Service, traffic: Traffic, report: CrashReport
) -> None:
    """Compare what the client knows with what the staff and the database see."""
    import sqlalchemy as sa

    from intake_server.staff.access import staff_store
    from intake_server.storage.models import Submission

    app = deployment.app()
    with app.app_context():
        secret = create_enrolled_account(staff_store(), STAFF_EMAIL, "staff", STAFF_PASSWORD)
    store = app.extensions["intake_store"]

    # The database: every row, by the form id the visitor chose (its marker).
    engine = sa.create_engine(deployment.database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(Submission.reference, Submission.idempotency_key)).all()
        if engine.dialect.name == "sqlite":
            report.integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar() or ""
        else:
            report.integrity = "not applicable"
    engine.dispose()
    report.stored = len(rows)
    keys = Counter(key for _, key in rows)
    report.duplicates = [key for key, n in keys.items() if n > 1]
    report.missing = sorted(traffic.acknowledged - set(keys))
    report.unexpected = sorted(set(keys) - set(traffic.sent))

    # Each payload decrypted through the storage layer, exactly as it was sent.
    for reference, key in rows:
        stored = store.get(reference)
        expected = traffic.sent.get(key)
        if stored is None or expected is None:
            continue
        payload = stored["payload"]
        if any(payload.get(name) != expected[name] for name in ("requester_name", "message")):
            report.damaged.append(reference)

    # The staff dashboard: every reference in the queue, each detail page showing its marker.
    staff = StaffBrowser(service.url)
    try:
        staff.sign_in(STAFF_EMAIL, STAFF_PASSWORD, secret)
        shown = queue_references(staff)
        by_reference = dict(rows)
        for reference in shown:
            page = staff.http.get(f"/staff/submissions/{reference}").text
            markers = MARKER.findall(page)
            if markers != [by_reference.get(reference)]:
                report.damaged.append(f"{reference} on the dashboard")
        report.seen_by_staff = len(set(shown) & set(by_reference))
    finally:
        staff.close()


def queue_references(staff: StaffBrowser) -> list[str]:
    """Every reference the queue lists, page by page, whatever its status."""
    references: list[str] = []
    page = 1
    while True:
        html = staff.http.get("/staff/", params={"status": "all", "page": page}).text
        found = re.findall(r'href="/staff/submissions/([A-Z0-9-]+)"', html)
        references += found
        if not found or "Next page" not in html:
            return references
        page += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--min-acknowledged", type=int, default=1000)
    parser.add_argument("--visitors", type=int, default=6)
    parser.add_argument("--database-kill-every", type=int, default=4)
    args = parser.parse_args(argv)

    from bench.site import built_site

    with tempfile.TemporaryDirectory() as tmp:
        site = built_site(Path(tmp) / "site")
        if args.backend == "sqlite":
            deployment = Deployment(site, f"sqlite:///{Path(tmp) / 'intake.sqlite3'}")
            report = run_trial(
                deployment,
                kills=args.kills,
                min_acknowledged=args.min_acknowledged,
                visitors=args.visitors,
            )
        else:
            with fresh_schema(args.postgres_url, APPLICATION_NAME) as url:
                report = run_trial(
                    Deployment(site, url),
                    kills=args.kills,
                    min_acknowledged=args.min_acknowledged,
                    visitors=args.visitors,
                    kill_database_every=args.database_kill_every,
                )
    print(report.table())
    problems = report.problems(args.kills, args.min_acknowledged)
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
