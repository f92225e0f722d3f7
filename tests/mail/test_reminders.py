"""The second notice for an urgent submission: held back, sent once if nobody has claimed it
by then, cancelled if someone has. Through the outbox and a real SMTP server."""

from __future__ import annotations

import pytest

from intake_server.services import services
from tests.helpers.forms import CONSULTATION, send_form
from tests.helpers.mail import (
    DASHBOARD,
    background_send,
    mail_config,
    outbox_rows,
    send_now,
    smtp_server,
)
from tests.helpers.staff import TEST_ACTOR, Harness

URGENT = {**CONSULTATION, "message": "My son tried to kill himself last week."}


@pytest.fixture
def harness(site_dir, sqlite_url, smtp_port) -> Harness:
    return Harness.start(site_dir, sqlite_url, **mail_config(smtp_port))


def test_nobody_claims_it_so_a_second_notice_goes_out_once(harness: Harness, smtp_port) -> None:
    app = harness.app
    with smtp_server(smtp_port) as inbox:
        reference = send_form(app.test_client(), "/consultation/", URGENT)
        background_send(app)
        assert [m["Subject"] for m in inbox.messages] == [
            f"URGENT: New consultation request {reference}"
        ]
        harness.clock.advance(minutes=29)
        assert send_now(app).sent == 0  # not yet
        harness.clock.advance(minutes=2)
        assert send_now(app).sent == 1
        harness.clock.advance(hours=3)
        assert send_now(app).sent == 0  # once only
    _, second = inbox.messages
    assert second["Subject"] == f"URGENT, still unclaimed: consultation request {reference}"
    body = second.get_content()
    assert "30 minutes ago" in body
    assert f"{DASHBOARD}/staff/submissions/{reference}" in body
    for typed in ("kill", "Maria", "555", "my son", "last week"):
        assert typed not in body and typed not in second["Subject"]


def test_a_claimed_submission_gets_no_second_notice(harness: Harness, smtp_port) -> None:
    app = harness.app
    staff = harness.user("ben@clinic.example")
    assert staff
    with smtp_server(smtp_port) as inbox:
        reference = send_form(app.test_client(), "/consultation/", URGENT)
        background_send(app)
        member = services(app).staff.find_account("ben@clinic.example")
        actor = TEST_ACTOR.__class__(member.id, member.email, None)
        assert services(app).work.claim(reference, actor)
        harness.clock.advance(minutes=45)
        assert send_now(app).sent == 0
    assert len(inbox.messages) == 1
    reminder = [row for row in outbox_rows(app) if row.reminder_for is not None]
    assert len(reminder) == 1 and reminder[0].cancelled_at is not None
    assert reminder[0].sent_at is None
    assert services(app).outbox.status().pending == 0


def test_a_routine_submission_gets_one_notice_and_no_reminder(harness: Harness, smtp_port) -> None:
    app = harness.app
    with smtp_server(smtp_port):
        send_form(app.test_client(), "/consultation/", CONSULTATION)
        background_send(app)
    assert [row.reminder_for for row in outbox_rows(app)] == [None]


def test_the_reminder_wait_is_a_setting(site_dir, sqlite_url, smtp_port) -> None:
    harness = Harness.start(
        site_dir, sqlite_url, URGENT_REMINDER_MINUTES=5, **mail_config(smtp_port)
    )
    with smtp_server(smtp_port) as inbox:
        send_form(harness.app.test_client(), "/consultation/", URGENT)
        background_send(harness.app)
        harness.clock.advance(minutes=6)
        assert send_now(harness.app).sent == 1
    assert "5 minutes ago" in inbox.messages[1].get_content()
