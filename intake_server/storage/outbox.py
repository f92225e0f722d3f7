"""The mail outbox: the only SQL for the `outbox` table.

A message is written in the same transaction as the thing it reports (`enqueue`), and sent later
by whoever calls `Outbox.claim_due` (a background thread after a submission, or cron). Claiming
pushes `next_attempt_at` forward by a lease inside a locking transaction (FOR UPDATE SKIP LOCKED on
PostgreSQL, BEGIN IMMEDIATE on SQLite), so two senders, in one process or in many, never hold the
same message at the same time. A sender that dies mid-send leaves its messages to come due again
when the lease runs out: delivery is at least once, never silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.orm import Session

from intake_server.storage.clock import Clock, utc_now
from intake_server.storage.database import session_factory, writer_session_factory
from intake_server.storage.models import OutboxMessage, Submission

# Backoff after a failed attempt: 1 minute, doubling, never more than an hour.
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)
# Waiting to be sent: not sent, and not cancelled as a reminder nobody needs any more.
UNSENT = (OutboxMessage.sent_at.is_(None), OutboxMessage.cancelled_at.is_(None))
# After this many failed attempts a message is no longer tried; it stays in the table, unsent,
# for `flask outbox status` to show and `flask outbox retry` to bring back.
MAX_ATTEMPTS = 12
# How long a claim keeps other senders away. Senders must finish (or release) well within it.
DEFAULT_LEASE = timedelta(minutes=10)
SUBJECT_MAX = 200
ERROR_MAX = 200


@dataclass(frozen=True)
class DueMessage:
    """A claimed message, detached from any session so it can be sent with no transaction open."""

    id: int
    created_at: datetime
    recipient: str
    subject: str
    body: str
    attempts: int


@dataclass(frozen=True)
class OutboxStatus:
    """Counts for operators. `pending` is waiting to be tried (now or later); `given_up` reached
    MAX_ATTEMPTS and needs a person."""

    pending: int
    due: int
    given_up: int
    sent: int


@dataclass(frozen=True)
class GivenUp:
    id: int
    created_at: datetime
    attempts: int
    last_error: str | None


def enqueue(
    session: Session,
    recipient: str,
    subject: str,
    body: str,
    *,
    now: datetime,
    send_at: datetime | None = None,
    reminder_for: int | None = None,
) -> OutboxMessage:
    """Add a message inside the caller's transaction, so it exists if and only if what it reports
    was committed. No network here: this must never slow down or fail the caller's write.

    `send_at` holds it back until then. `reminder_for` (a submission id) makes it a reminder
    that is sent only while that submission is urgent, new and unclaimed; otherwise it is
    cancelled when it comes due. Line breaks in the subject are flattened (they would let text
    become extra mail headers)."""
    recipient = recipient.strip()
    if not recipient or "\n" in recipient or "\r" in recipient:
        raise ValueError("recipient must be one address on one line")
    message = OutboxMessage(
        created_at=now,
        recipient=recipient,
        subject=" ".join(subject.split())[:SUBJECT_MAX],
        body=body,
        attempts=0,
        next_attempt_at=send_at or now,
        reminder_for=reminder_for,
    )
    session.add(message)
    session.flush()
    return message


def _cancel_needless_reminders(session: Session, now: datetime) -> None:
    """Reminders that have come due for a submission someone has claimed, moved on, or marked
    not urgent are cancelled, not sent: the second notice goes out only while it is needed."""
    handled = select(Submission.id).where(
        or_(
            Submission.assignee_id.is_not(None),
            Submission.status != "new",
            Submission.urgent.is_(False),
        )
    )
    session.execute(
        update(OutboxMessage)
        .where(
            *UNSENT,
            OutboxMessage.reminder_for.in_(handled),
            OutboxMessage.next_attempt_at <= now,
        )
        .values(cancelled_at=now)
    )


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4, ... minutes, capped at an hour."""
    if attempts < 1:
        return FIRST_RETRY
    # Cap the exponent too, so a large count cannot overflow timedelta.
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 16), MAX_RETRY)


class Outbox:
    """Claiming, marking and counting outbox messages."""

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self._read = session_factory(engine)
        self._write = writer_session_factory(engine)
        self._clock = clock

    def claim_due(self, limit: int, *, lease: timedelta = DEFAULT_LEASE) -> list[DueMessage]:
        """Take up to `limit` unsent messages whose time has come, oldest first.

        Each one is leased (next_attempt_at = now + lease) in the same transaction that found it,
        so no other sender sees it as due until it is marked sent or failed, or the lease ends."""
        if limit < 1:
            return []
        now = self._clock()
        with self._write.begin() as session:
            _cancel_needless_reminders(session, now)
            rows = session.scalars(
                select(OutboxMessage)
                .where(
                    *UNSENT,
                    OutboxMessage.attempts < MAX_ATTEMPTS,
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit)
                # SKIP LOCKED: a second sender takes the next rows instead of waiting for these.
                # SQLite renders nothing here; its BEGIN IMMEDIATE already serializes claims.
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                row.next_attempt_at = now + lease
            return [
                DueMessage(
                    id=row.id,
                    created_at=row.created_at,
                    recipient=row.recipient,
                    subject=row.subject,
                    body=row.body,
                    attempts=row.attempts,
                )
                for row in rows
            ]

    def mark_sent(self, message_id: int) -> None:
        """Record delivery to the mail server. A message already marked sent stays as it was."""
        with self._write.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
                .values(sent_at=self._clock(), last_error=None)
            )

    def mark_failed(self, message_id: int, error_code: str) -> int:
        """Count a failed attempt and schedule the next one; returns the attempts so far.

        `error_code` is an exception class name or SMTP code, never a server's message text
        (which can echo addresses). At MAX_ATTEMPTS the message is no longer claimed."""
        now = self._clock()
        with self._write.begin() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None or row.sent_at is not None:
                return 0 if row is None else row.attempts
            row.attempts = (row.attempts or 0) + 1
            row.last_error = error_code[:ERROR_MAX]
            row.next_attempt_at = now + retry_delay(row.attempts)
            return row.attempts

    def release(self, message_ids: list[int]) -> None:
        """Give back claimed messages that were not tried, so they are due again at once and no
        attempt is counted against them."""
        if not message_ids:
            return
        with self._write.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(message_ids), OutboxMessage.sent_at.is_(None))
                .values(next_attempt_at=self._clock())
            )

    def retry_given_up(self) -> int:
        """Bring every given-up message back (attempts reset), after the mail problem is fixed."""
        with self._write.begin() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(*UNSENT, OutboxMessage.attempts >= MAX_ATTEMPTS)
                .values(attempts=0, next_attempt_at=self._clock())
            )
            return result.rowcount or 0

    def next_due(self) -> datetime | None:
        """When the next message waiting to be tried comes due (None when nothing waits)."""
        with self._read() as session:
            return session.scalar(
                select(func.min(OutboxMessage.next_attempt_at)).where(
                    *UNSENT, OutboxMessage.attempts < MAX_ATTEMPTS
                )
            )

    def pending_count(self) -> int:
        """Unsent messages that will still be tried (due now or later)."""
        with self._read() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(*UNSENT, OutboxMessage.attempts < MAX_ATTEMPTS)
                )
                or 0
            )

    def status(self) -> OutboxStatus:
        now = self._clock()
        trying = OutboxMessage.attempts < MAX_ATTEMPTS
        with self._read() as session:

            def count(*conditions: object) -> int:
                query = select(func.count()).select_from(OutboxMessage).where(*conditions)
                return session.scalar(query) or 0

            return OutboxStatus(
                pending=count(*UNSENT, trying),
                due=count(*UNSENT, trying, OutboxMessage.next_attempt_at <= now),
                given_up=count(*UNSENT, OutboxMessage.attempts >= MAX_ATTEMPTS),
                sent=count(OutboxMessage.sent_at.is_not(None)),
            )

    def given_up(self, limit: int = 50) -> list[GivenUp]:
        """The newest messages that are no longer tried, for an operator to look into."""
        with self._read() as session:
            rows = session.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.created_at,
                    OutboxMessage.attempts,
                    OutboxMessage.last_error,
                )
                .where(*UNSENT, OutboxMessage.attempts >= MAX_ATTEMPTS)
                .order_by(OutboxMessage.id.desc())
                .limit(limit)
            ).all()
        return [GivenUp(r.id, r.created_at, r.attempts, r.last_error) for r in rows]
