"""The crash trial: visitors send consultation requests while the whole gunicorn process group
(and, on PostgreSQL, one of the database's backends) is SIGKILLed at random moments; then
everything is read back through the staff dashboard and the database. `bench/crash.py` runs it
in full and prints the figures; tests/service/test_crash_durability.py runs it in a short form.
"""

from __future__ import annotations

import random
import re
import secrets
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from testkit.clients import CONSULTATION, StaffBrowser, Visitor, create_enrolled_account
from testkit.service import Deployment, Service

MARKER = re.compile(r"crash-marker-([0-9a-f]{24})")
STAFF_EMAIL = "crash-check@example.org"
STAFF_PASSWORD = "lantern orchard copper tidal"
APPLICATION_NAME = "intake-crash-trial"
# The session cookie's name in the development mode the trial's deployment runs in.
SESSION_COOKIE = "session"


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


class Traffic:
    """Visitors in threads; what they sent and what was acknowledged, by marker."""

    def __init__(self, url: str, visitors: int) -> None:
        self.url = url
        self.sent: dict[str, dict[str, str]] = {}
        # The session cookie each marker was sent with: the service binds the form id to it.
        self.sessions: dict[str, str] = {}
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
            with self.lock:
                self.sessions[marker] = visitor.http.cookies.get(SESSION_COOKIE) or ""
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
    log: Callable[[str], None] = lambda _: None,
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

    from intake_server.storage.models import Submission

    services = deployment.services()
    secret = create_enrolled_account(services.staff, STAFF_EMAIL, "staff", STAFF_PASSWORD)
    store = services.submissions

    # The database: every row, by the form id the visitor chose (its marker), which the service
    # stores bound to the visitor's session.
    engine = sa.create_engine(deployment.database_url)
    with engine.connect() as conn:
        stored_rows = conn.execute(
            sa.select(Submission.reference, Submission.idempotency_key)
        ).all()
        if engine.dialect.name == "sqlite":
            report.integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar() or ""
        else:
            report.integrity = "not applicable"
        marker_of = stored_keys(deployment, traffic)
        rows = [(reference, marker_of.get(key, key)) for reference, key in stored_rows]
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


def stored_keys(deployment: Deployment, traffic: Traffic) -> dict[str, str]:
    """{the key the service stores: the marker} for every marker sent, from the session each was
    sent with (read with the deployment's SECRET_KEY, as the service reads it)."""
    from intake_server.intake.views import SENDER, bound_key

    app = deployment.app()
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None
    found = {}
    for marker, cookie in traffic.sessions.items():
        sender = serializer.loads(cookie).get(SENDER) if cookie else None
        if sender:
            found[bound_key(sender, marker)] = marker
    return found


NEXT_PAGE = re.compile(r'<a href="([^"]*)">Next page</a>')


def queue_references(staff: StaffBrowser) -> list[str]:
    """Every reference the queue lists, following its "Next page" links, whatever its status."""
    references: list[str] = []
    url = "/staff/?status=all"
    while True:
        html = staff.http.get(url).text
        found = re.findall(r'href="/staff/submissions/([A-Z0-9-]+)"', html)
        references += found
        following = NEXT_PAGE.search(html)
        if not found or not following:
            return references
        url = following.group(1).replace("&amp;", "&")
