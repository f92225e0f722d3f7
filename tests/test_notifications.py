"""Notices to the clinic inbox, through a real SMTP server (aiosmtpd) on a loopback port.

What must hold: a stored submission produces exactly one notice, with its reference and dashboard
link and nothing the person wrote; a mail server that is down never costs a submission, and the
notice goes out later; two senders at once never send the same notice twice.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from conftest import make_app
from form_client import ASSESSMENT, CONSULTATION, reference_in, submit
from sqlalchemy import func, select

from intake_server.notifications import (
    detail_url,
    send_due,
    start_background_send,
    submission_notice,
)
from intake_server.storage.database import writer_session_factory
from intake_server.storage.models import OutboxMessage, Submission, utc_now
from intake_server.storage.outbox import MAX_ATTEMPTS, Outbox, enqueue, retry_delay

INBOX = "intake-team@clinic.example"
DASHBOARD = "https://intake.clinic.example"

# Planted in every field a person can type into (and distinctive choices), so a leak shows.
CONSULTATION_MARKERS = {
    "for_whom": "loved_one",
    "requester_name": "Qzxname Markerone",
    "relationship": "qzxrelative",
    "person_first_name": "Qzxfirst",
    "phone": "(314) 555-0177",
    "email": "qzxmail@example.org",
    "message": "qzxmessage about her week",
    "insurance": "Blue Cross Blue Shield",
}
ASSESSMENT_MARKERS = {
    "full_name": "Qzxfull Markertwo",
    "date_of_birth": "1977-07-17",
    "phone": "314-555-0188",
    "goals-0": "qzxgoal one",
    "goals-1": "qzxgoal two",
    "problems": ["suicidal_thoughts", "other"],
    "problem_other": "qzxproblem other",
    "strengths": "qzxstrengths",
    "barriers": "qzxbarriers",
}
LEAK_SIGNS = [
    "Qzx",
    "qzx",
    "555-0177",
    "5550177",
    "555-0188",
    "5550188",
    "1977",
    "Blue Cross",
    "mother",
    "suicid",
]


# --- A real SMTP server --------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.envelopes: list[Any] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=default_policy)
            for e in self.envelopes
        ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(port: int, delay: float = 0.0) -> Iterator[Inbox]:
    inbox = Inbox(delay)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_port() -> int:
    return free_port()


def mail_config(port: int) -> dict[str, object]:
    return {
        "INTAKE_INBOX": INBOX,
        "DASHBOARD_URL": DASHBOARD,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_TIMEOUT": 5,
        "MAIL_FROM": "intake@clinic.example",
    }


@pytest.fixture
def mail_app(site_dir: Path, sqlite_url: str, smtp_port: int):
    return make_app(site_dir, sqlite_url, **mail_config(smtp_port))


# --- Until create_app gives SubmissionStore the on_insert hook ------------------------------


def hook_wired(app: Any) -> bool:
    """Whether the app's store runs queue_submission_notice itself on every insert."""
    from intake_server.notifications import queue_submission_notice

    hooks = getattr(app.extensions["intake_store"], "_on_insert", ())
    return queue_submission_notice in hooks


def queue_notice(app: Any, reference: str) -> None:
    """Queue the notice the way the on_insert hook does, inside a writer transaction, unless the
    store already did so when the form was submitted."""
    if hook_wired(app):
        return
    from intake_server.notifications import queue_submission_notice

    sessions = writer_session_factory(app.extensions["db_engine"])
    with app.app_context(), sessions.begin() as session:
        row = session.scalar(select(Submission).where(Submission.reference == reference))
        queue_submission_notice(session, row)


def submit_form(app: Any, path: str, data: dict[str, Any]) -> str:
    client = app.test_client()
    response = submit(client, path, data)
    assert response.status_code == 303, response.status_code
    reference = reference_in(client.get("/received/").get_data(as_text=True))
    assert reference
    queue_notice(app, reference)
    return reference


def background_send(app: Any) -> None:
    thread = start_background_send(app)
    assert thread is not None
    thread.join(timeout=30)
    assert not thread.is_alive()


def outbox_rows(app: Any) -> list[OutboxMessage]:
    sessions = writer_session_factory(app.extensions["db_engine"])
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def text_of(message: email.message.EmailMessage) -> str:
    """Everything a reader could see, decoded (a raw check alone would miss encoded text)."""
    return f"{message.as_string()}\n{message['Subject']}\n{message.get_content()}"


def assert_no_phi(text: str) -> None:
    leaked = [sign for sign in LEAK_SIGNS if sign.lower() in text.lower()]
    assert not leaked, f"PHI in the notice: {leaked}"


# --- The notice itself ---------------------------------------------------------------------


def test_notice_text_holds_only_kind_urgency_reference_and_link() -> None:
    link = detail_url(DASHBOARD + "/", "7KXM-Q4TZ")
    assert link == f"{DASHBOARD}/staff/submissions/7KXM-Q4TZ"
    subject, body = submission_notice("consultation", False, "7KXM-Q4TZ", link)
    assert subject == "New consultation request 7KXM-Q4TZ"
    assert "URGENT" not in subject + body
    assert "7KXM-Q4TZ" in body and link in body
    urgent_subject, urgent_body = submission_notice("assessment", True, "7KXM-Q4TZ", link)
    assert urgent_subject.startswith("URGENT")
    assert "personal assessment" in urgent_subject and "URGENT" in urgent_body
    with pytest.raises(ValueError):
        submission_notice("letter", False, "7KXM-Q4TZ", link)


def test_the_link_is_the_dashboards_detail_page(app) -> None:
    built = app.url_map.bind("localhost").build("staff.detail", {"reference": "7KXM-Q4TZ"})
    assert detail_url(DASHBOARD, "7KXM-Q4TZ") == DASHBOARD + built


def test_no_inbox_configured_queues_and_sends_nothing(app) -> None:
    submit_form(app, "/consultation/", CONSULTATION)
    assert outbox_rows(app) == []
    assert start_background_send(app) is None


def test_the_hook_outside_an_app_context_never_fails_a_submission(mail_app) -> None:
    from intake_server.notifications import queue_submission_notice

    reference = submit_form(mail_app, "/consultation/", CONSULTATION)
    sessions = writer_session_factory(mail_app.extensions["db_engine"])
    with sessions.begin() as session:
        row = session.scalar(select(Submission).where(Submission.reference == reference))
        queue_submission_notice(session, row)  # no app context: skipped, not raised
    assert len(outbox_rows(mail_app)) == 1


# --- Through a real SMTP server -------------------------------------------------------------


def test_a_stored_submission_sends_exactly_one_notice_without_phi(mail_app, smtp_port) -> None:
    with smtp_server(smtp_port) as inbox:
        reference = submit_form(
            mail_app, "/consultation/", {**CONSULTATION, **CONSULTATION_MARKERS}
        )
        # The path a request takes: a background thread, never waited on by the request.
        background_send(mail_app)
        assert send_due(mail_app).sent == 0  # nothing left, nothing sent twice
    assert len(inbox.envelopes) == 1
    assert inbox.envelopes[0].rcpt_tos == [INBOX]
    message = inbox.messages[0]
    assert message["Subject"] == f"New consultation request {reference}"
    assert message["To"] == INBOX and message["Auto-Submitted"] == "auto-generated"
    body = message.get_content()
    assert reference in body
    assert f"{DASHBOARD}/staff/submissions/{reference}" in body
    assert_no_phi(text_of(message))
    [row] = outbox_rows(mail_app)
    assert row.sent_at is not None and row.attempts == 0
    assert_no_phi(f"{row.recipient}\n{row.subject}\n{row.body}")


def test_an_urgent_submission_says_urgent_first(mail_app, smtp_port) -> None:
    with smtp_server(smtp_port) as inbox:
        reference = submit_form(mail_app, "/assessment/", {**ASSESSMENT, **ASSESSMENT_MARKERS})
        background_send(mail_app)  # the sender the request started
        assert send_due(mail_app).pending == 0
    [message] = inbox.messages
    assert message["Subject"] == f"URGENT: New personal assessment {reference}"
    assert f"{DASHBOARD}/staff/submissions/{reference}" in message.get_content()
    assert_no_phi(text_of(message))


def test_smtp_down_keeps_the_submission_and_delivers_later(
    mail_app, smtp_port, caplog: pytest.LogCaptureFixture
) -> None:
    # No server on the port: the connection is refused.
    client = mail_app.test_client()
    response = submit(client, "/consultation/", {**CONSULTATION, **CONSULTATION_MARKERS})
    assert response.status_code == 303
    reference = reference_in(client.get("/received/").get_data(as_text=True))
    assert reference and mail_app.extensions["intake_store"].get(reference) is not None
    queue_notice(mail_app, reference)

    background_send(mail_app)
    [row] = outbox_rows(mail_app)
    assert row.sent_at is None and row.attempts == 1
    assert row.last_error == "ConnectionRefusedError"
    assert timedelta(seconds=50) < row.next_attempt_at - utc_now() <= timedelta(minutes=1)
    assert Outbox(mail_app.extensions["db_engine"]).pending_count() == 1
    warned = [
        r
        for r in caplog.records
        if r.name == "intake_server.notifications" and r.levelname == "WARNING"
    ]
    assert [(r.getMessage(), r.error_code) for r in warned] == [  # type: ignore[attr-defined]
        ("outbox_connect_failed", "ConnectionRefusedError")
    ]
    assert_no_phi(caplog.text)

    with smtp_server(smtp_port) as inbox:
        # Not due yet: the backoff is respected.
        assert send_due(mail_app).sent == 0 and inbox.envelopes == []
        later = utc_now() + timedelta(minutes=2)
        result = send_due(mail_app, now=later)
        assert (result.sent, result.failed, result.pending) == (1, 0, 0)
        assert send_due(mail_app, now=later + timedelta(hours=2)).sent == 0
    assert len(inbox.envelopes) == 1
    assert reference in inbox.messages[0]["Subject"]


# --- The outbox: backoff, giving up, leases --------------------------------------------------


def _enqueue(app: Any, count: int, now: Any = None) -> list[int]:
    sessions = writer_session_factory(app.extensions["db_engine"])
    with sessions.begin() as session:
        return [
            enqueue(session, INBOX, f"Notice {n:03d}", f"Body {n}", now=now).id
            for n in range(count)
        ]


def test_backoff_doubles_from_a_minute_caps_at_an_hour_and_gives_up(app) -> None:
    assert [retry_delay(n).total_seconds() / 60 for n in range(1, 9)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
    ]
    outbox = Outbox(app.extensions["db_engine"])
    start = utc_now()
    [message_id] = _enqueue(app, 1, now=start)
    now = start
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [claimed] = outbox.claim_due(10, now)
        assert claimed.id == message_id and claimed.attempts == attempt - 1
        assert outbox.mark_failed(message_id, "ConnectionRefusedError", now) == attempt
        assert outbox.claim_due(10, now + retry_delay(attempt) - timedelta(seconds=1)) == []
        now += retry_delay(attempt)
    # Given up: never claimed again, but still there to see.
    assert outbox.claim_due(10, now + timedelta(days=30)) == []
    status = outbox.status(now)
    assert (status.pending, status.due, status.given_up, status.sent) == (0, 0, 1, 0)
    assert [g.id for g in outbox.given_up()] == [message_id]
    assert outbox.retry_given_up(now) == 1
    assert [m.id for m in outbox.claim_due(10, now)] == [message_id]


def test_a_claim_is_leased_until_marked_or_released(app) -> None:
    outbox = Outbox(app.extensions["db_engine"])
    now = utc_now()
    ids = _enqueue(app, 3, now=now)
    assert [m.id for m in outbox.claim_due(2, now)] == ids[:2]
    assert [m.id for m in outbox.claim_due(5, now)] == ids[2:]
    assert outbox.claim_due(5, now) == []
    outbox.release(ids[:1], now)
    assert [m.id for m in outbox.claim_due(5, now)] == ids[:1]
    outbox.mark_sent(ids[0], now)
    # A lease that ran out (a sender died) makes a message due again; a sent one never is.
    later = now + timedelta(hours=1)
    assert sorted(m.id for m in outbox.claim_due(5, later)) == ids[1:]
    assert outbox.status(later).sent == 1


def test_a_subject_cannot_carry_extra_headers(app) -> None:
    sessions = writer_session_factory(app.extensions["db_engine"])
    with sessions.begin() as session:
        row = enqueue(session, INBOX, "Hello\r\nBcc: someone@else.example", "body")
    assert row.subject == "Hello Bcc: someone@else.example"
    with sessions.begin() as session, pytest.raises(ValueError):
        enqueue(session, f"{INBOX}\nBcc: x@y.example", "subject", "body")


# --- Two senders at once --------------------------------------------------------------------


def send_concurrently(app: Any, port: int, count: int) -> tuple[Inbox, list[Any]]:
    _enqueue(app, count)
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def sender() -> None:
        barrier.wait()
        results.append(send_due(app, batch_size=3))

    with smtp_server(port, delay=0.01) as inbox:
        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    return inbox, results


def assert_each_sent_once(app: Any, inbox: Inbox, results: list[Any], count: int) -> None:
    subjects = [m["Subject"] for m in inbox.messages]
    assert len(subjects) == count, f"{len(subjects)} mails for {count} messages"
    assert len(set(subjects)) == count, "a message was sent twice"
    assert sum(r.sent for r in results) == count and all(r.failed == 0 for r in results)
    sessions = writer_session_factory(app.extensions["db_engine"])
    with sessions() as session:
        unsent = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
    assert unsent == 0


def test_two_senders_on_sqlite_never_send_twice(mail_app, smtp_port) -> None:
    inbox, results = send_concurrently(mail_app, smtp_port, 30)
    assert_each_sent_once(mail_app, inbox, results, 30)


@pytest.mark.postgres
def test_two_senders_on_postgresql_never_send_twice(
    site_dir: Path, postgres_url: str, smtp_port: int
) -> None:
    import sqlalchemy as sa

    schema = "intake_outbox_test"
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"drop schema if exists {schema} cascade"))
        conn.execute(sa.text(f"create schema {schema}"))
    try:
        app = make_app(
            site_dir, f"{postgres_url}?options=-csearch_path%3D{schema}", **mail_config(smtp_port)
        )
        inbox, results = send_concurrently(app, smtp_port, 40)
        assert_each_sent_once(app, inbox, results, 40)
        # Both senders really took part: SKIP LOCKED let the second work past the first's rows.
        assert all(r.sent for r in results), [r.sent for r in results]

        # Deterministically: rows another sender holds in its claim are skipped, not waited for.
        app_engine = app.extensions["db_engine"]
        ids = _enqueue(app, 4)
        with app_engine.connect() as other:
            held = other.execute(
                sa.text("select id from outbox where id in (:a, :b) for update"),
                {"a": ids[0], "b": ids[1]},
            ).scalars()
            assert sorted(held) == ids[:2]
            claimed: list[Any] = []
            # In a thread: without SKIP LOCKED the claim would wait on `other` for ever.
            claimer = threading.Thread(
                target=lambda: claimed.extend(Outbox(app_engine).claim_due(10)), daemon=True
            )
            claimer.start()
            claimer.join(timeout=15)
            blocked = claimer.is_alive()
            other.rollback()
            claimer.join(timeout=15)
        assert not blocked, "the claim waited for rows another sender holds"
        assert sorted(m.id for m in claimed) == ids[2:]
        app_engine.dispose()
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"drop schema if exists {schema} cascade"))
        engine.dispose()
