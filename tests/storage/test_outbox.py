"""The outbox: backoff after failures, giving up, leases on claimed messages, and a subject that
cannot smuggle in extra mail headers. Time is the app's clock, moved by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intake_server.services import services
from intake_server.storage import MAX_ATTEMPTS, enqueue
from intake_server.storage.database import writer_session_factory
from intake_server.storage.outbox import retry_delay
from tests.helpers.mail import INBOX, enqueue_messages


def test_backoff_doubles_from_a_minute_caps_at_an_hour_and_gives_up(app, clock) -> None:
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
    outbox = services(app).outbox
    start = clock()
    [message_id] = enqueue_messages(app, 1, now=start)
    now = start
    for attempt in range(1, MAX_ATTEMPTS + 1):
        clock.now = now
        [claimed] = outbox.claim_due(10)
        assert claimed.id == message_id and claimed.attempts == attempt - 1
        assert outbox.mark_failed(message_id, "ConnectionRefusedError") == attempt
        clock.now = now + retry_delay(attempt) - timedelta(seconds=1)
        assert outbox.claim_due(10) == []
        now += retry_delay(attempt)
    # Given up: never claimed again, but still there to see.
    clock.now = now + timedelta(days=30)
    assert outbox.claim_due(10) == []
    clock.now = now
    status = outbox.status()
    assert (status.pending, status.due, status.given_up, status.sent) == (0, 0, 1, 0)
    assert [g.id for g in outbox.given_up()] == [message_id]
    assert outbox.retry_given_up() == 1
    assert [m.id for m in outbox.claim_due(10)] == [message_id]


def test_a_claim_is_leased_until_marked_or_released(app, clock) -> None:
    outbox = services(app).outbox
    ids = enqueue_messages(app, 3, now=clock())
    assert [m.id for m in outbox.claim_due(2)] == ids[:2]
    assert [m.id for m in outbox.claim_due(5)] == ids[2:]
    assert outbox.claim_due(5) == []
    outbox.release(ids[:1])
    assert [m.id for m in outbox.claim_due(5)] == ids[:1]
    outbox.mark_sent(ids[0])
    # A lease that ran out (a sender died) makes a message due again; a sent one never is.
    clock.advance(hours=1)
    assert sorted(m.id for m in outbox.claim_due(5)) == ids[1:]
    assert outbox.status().sent == 1


def test_a_subject_cannot_carry_extra_headers(app, clock) -> None:
    sessions = writer_session_factory(services(app).engine)
    with sessions.begin() as session:
        row = enqueue(session, INBOX, "Hello\r\nBcc: someone@else.example", "body", now=clock())
    assert row.subject == "Hello Bcc: someone@else.example"
    with sessions.begin() as session, pytest.raises(ValueError):
        enqueue(session, f"{INBOX}\nBcc: x@y.example", "subject", "body", now=clock())
