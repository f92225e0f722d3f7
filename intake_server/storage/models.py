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
    Index,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

KINDS = ("consultation", "assessment")
STATUSES = ("new", "in_progress", "contacted", "evaluation_scheduled", "closed")

# Fixed constraint names, so migrations can refer to them identically on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


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
    # Fernet token of the JSON of everything the person sent.
    payload: Mapped[bytes] = mapped_column(LargeBinary)
