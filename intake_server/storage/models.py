"""The intake tables. Only what staff need to sort the queue is stored in the clear; everything
the person wrote lives in `payload`, encrypted, so no column here can identify anyone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false

KINDS = ("consultation", "assessment")
STATUSES = ("new", "in_progress", "contacted", "evaluation_scheduled", "closed")
OUTCOMES = ("admitted", "referred", "not_a_fit", "no_response", "duplicate", "spam")
ROLES = ("staff", "admin")

# Fixed constraint names, so migrations can refer to them identically on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend. SQLite keeps no zone, so values are stored as naive
    UTC there and given their zone back on the way out; naive input is refused, never guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: intake timestamps must carry a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class Submission(Base):
    """One consultation request or assessment, as received."""

    __tablename__ = "submissions"
    __table_args__ = (
        _one_of("kind", KINDS),
        _one_of("status", STATUSES),
        # The staff queue: one status at a time, urgent before routine, oldest first.
        Index("ix_submissions_queue", "status", "urgent", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(9), unique=True, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(32), server_default="new")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The form's one-time token: a double click or a retried POST finds this row, not a new one.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Fernet token of the JSON of everything the person sent; NULL once purged.
    payload: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id"), index=True, nullable=True
    )
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # An assessment sent through a personal link belongs to that consultation.
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id"), index=True, nullable=True
    )
    # How and when the person asked to be contacted (choice keys such as "call", "morning"):
    # what the queue row needs, kept in the clear so listing never decrypts. Not identifying.
    contact_method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    best_time: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Blind indexes (storage/derived.py): keyed hashes of the normalised phone number and email,
    # to find possible duplicates without decrypting the table. No plain value is stored.
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    email_index: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    # Set when staff close this submission as a duplicate of another.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), nullable=True)


# The queue's own order (urgent first, then oldest), so any page of it, however deep, is read
# from the index instead of sorting every row (see docs/benchmarks.md).
Index(
    "ix_submissions_queue_order",
    Submission.urgent.desc(),
    Submission.received_at,
    Submission.id,
)


class StaffUser(Base):
    """A clinic staff account: unique, never shared (HIPAA unique user identification)."""

    __tablename__ = "staff_users"
    __table_args__ = (_one_of("role", ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(8))
    password_hash: Mapped[str] = mapped_column(String(255))
    # The TOTP secret, encrypted with the same keyring as submissions.
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The last TOTP time step accepted, so a code cannot be used twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Failed sign-in steps since the last full sign-in, from anywhere: admins are told when
    # they pile up. Pauses are counted per account and client in SignInThrottle.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StaffSession(Base):
    """A signed-in browser. Only a hash of the cookie's token is kept, so a copy of the database
    cannot be used to sign in; revoking is setting revoked_at, which every instance sees."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    # False between the password and the one-time code: such a session can only finish sign-in.
    mfa_passed: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    client_addr: Mapped[str] = mapped_column(String(64))


class SignInThrottle(Base):
    """Failed sign-in steps for one email address from one client address, and the pause they
    have earned. Rows exist for addresses that have no account too, so a pause cannot tell
    whether an account exists; and a pause stops only that client, never the account's owner
    elsewhere. Only a hash of the pair is kept."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, server_default="0")
    throttled_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class HealthCheck(Base):
    """One fixed row that /healthz rewrites, to learn whether a write can commit, without PHI
    and without the database growing."""

    __tablename__ = "health_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SubmissionEvent(Base):
    """The timeline of a submission: claims, status changes, reassignments and notes."""

    __tablename__ = "submission_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    # An internal note (or the reason for a change of urgency), encrypted like the submission.
    note: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The urgency staff set by hand, on an "urgency" event.
    urgent: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # The submission this one was closed as a duplicate of, on a "duplicate" event.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), nullable=True)


class AssessmentLink(Base):
    """A personal, single-use link to the assessment form, issued from a consultation."""

    __tablename__ = "assessment_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OutboxMessage(Base):
    """Mail waiting to go out. Written in the same transaction as what it reports, sent later,
    so a mail server that is down never loses or slows a submission. Holds no PHI."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # A reminder that an urgent submission is still unclaimed: sent only while it is.
    reminder_for: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id"), index=True, nullable=True
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEntry(Base):
    """Append-only, hash-chained record of who did what. Never holds PHI: references, actions
    and staff identities only. Each entry's hash covers the previous entry's hash."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    actor_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    reference: Mapped[str | None] = mapped_column(String(9), index=True, nullable=True)
    client_addr: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str] = mapped_column(Text, server_default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
