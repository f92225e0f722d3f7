"""Notices delivered through a real SMTP server (aiosmtpd) on a loopback port.

What must hold: a stored submission produces exactly one notice, with its reference and dashboard
link and nothing the person wrote; a mail server that is down never costs a submission, and the
notice goes out later; two senders at once never send the same notice twice.
"""

from __future__ import annotations

import email
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from intake_server.services import services
from intake_server.storage.database import session_factory
from intake_server.storage.models import OutboxMessage
from testkit.postgres import fresh_schema
from tests.helpers.app import make_app
from tests.helpers.forms import ASSESSMENT, CONSULTATION, send_form
from tests.helpers.mail import (
    DASHBOARD,
    INBOX,
    Inbox,
    background_send,
    enqueue_messages,
    mail_config,
    outbox_rows,
    send_now,
    smtp_server,
)

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


def text_of(message: email.message.EmailMessage) -> str:
    """Everything a reader could see, decoded (a raw check alone would miss encoded text)."""
    return f"{message.as_string()}\n{message['Subject']}\n{message.get_content()}"


def assert_no_phi(text: str) -> None:
    leaked = [sign for sign in LEAK_SIGNS if sign.lower() in text.lower()]
    assert not leaked, f"PHI in the notice: {leaked}"


# --- Through a real SMTP server -------------------------------------------------------------


def test_a_stored_submission_sends_exactly_one_notice_without_phi(mail_app, smtp_port) -> None:
    with smtp_server(smtp_port) as inbox:
        reference = send_form(
            mail_app.test_client(), "/consultation/", {**CONSULTATION, **CONSULTATION_MARKERS}
        )
        # The path a request takes: a background thread, never waited on by the request.
        background_send(mail_app)
        assert send_now(mail_app).sent == 0  # nothing left, nothing sent twice
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
        reference = send_form(
            mail_app.test_client(), "/assessment/", {**ASSESSMENT, **ASSESSMENT_MARKERS}
        )
        background_send(mail_app)  # the sender the request started
        # Only the reminder waits, held back in case nobody claims it (tests/mail/test_reminders.py).
        assert send_now(mail_app).pending == 1
    [message] = inbox.messages
    assert message["Subject"] == f"URGENT: New personal assessment {reference}"
    assert f"{DASHBOARD}/staff/submissions/{reference}" in message.get_content()
    assert_no_phi(text_of(message))


def test_smtp_down_keeps_the_submission_and_delivers_later(
    mail_app, smtp_port, clock, caplog: pytest.LogCaptureFixture
) -> None:
    # No server on the port: the connection is refused.
    reference = send_form(
        mail_app.test_client(), "/consultation/", {**CONSULTATION, **CONSULTATION_MARKERS}
    )
    assert services(mail_app).submissions.get(reference) is not None

    background_send(mail_app)
    [row] = outbox_rows(mail_app)
    assert row.sent_at is None and row.attempts == 1
    assert row.last_error == "ConnectionRefusedError"
    assert timedelta(seconds=50) < row.next_attempt_at - clock() <= timedelta(minutes=1)
    assert services(mail_app).outbox.pending_count() == 1
    warned = [
        r
        for r in caplog.records
        if r.name == "intake_server.mail.delivery" and r.levelname == "WARNING"
    ]
    assert [(r.getMessage(), r.error_code) for r in warned] == [  # type: ignore[attr-defined]
        ("outbox_connect_failed", "ConnectionRefusedError")
    ]
    assert_no_phi(caplog.text)

    with smtp_server(smtp_port) as inbox:
        # Not due yet: the backoff is respected.
        assert send_now(mail_app).sent == 0 and inbox.envelopes == []
        clock.advance(minutes=2)
        result = send_now(mail_app)
        assert (result.sent, result.failed, result.pending) == (1, 0, 0)
        clock.advance(hours=2)
        assert send_now(mail_app).sent == 0
    assert len(inbox.envelopes) == 1
    assert reference in inbox.messages[0]["Subject"]


# --- Two senders at once --------------------------------------------------------------------


def send_concurrently(app: Any, port: int, count: int) -> tuple[Inbox, list[Any]]:
    enqueue_messages(app, count)
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def sender() -> None:
        barrier.wait()
        results.append(send_now(app, batch_size=3))

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
    with session_factory(services(app).engine)() as session:
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
    with fresh_schema(postgres_url) as url:
        app = make_app(site_dir, url, **mail_config(smtp_port))
        app_engine = services(app).engine
        try:
            inbox, results = send_concurrently(app, smtp_port, 40)
            assert_each_sent_once(app, inbox, results, 40)
            # Both senders really took part: SKIP LOCKED let the second work past the first's rows.
            assert all(r.sent for r in results), [r.sent for r in results]

            # Deterministically: rows another sender holds in its claim are skipped, not waited for.
            ids = enqueue_messages(app, 4)
            with app_engine.connect() as other:
                held = other.execute(
                    sa.text("select id from outbox where id in (:a, :b) for update"),
                    {"a": ids[0], "b": ids[1]},
                ).scalars()
                assert sorted(held) == ids[:2]
                claimed: list[Any] = []
                # In a thread: without SKIP LOCKED the claim would wait on `other` for ever.
                claimer = threading.Thread(
                    target=lambda: claimed.extend(services(app).outbox.claim_due(10)),
                    daemon=True,
                )
                claimer.start()
                claimer.join(timeout=15)
                blocked = claimer.is_alive()
                other.rollback()
                claimer.join(timeout=15)
            assert not blocked, "the claim waited for rows another sender holds"
            assert sorted(m.id for m in claimed) == ids[2:]
        finally:
            app_engine.dispose()
