"""Urgency set by hand, and a second notice for urgent submissions nobody has claimed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

`submission_events.urgent` records a change of urgency made by staff (the reason is the event's
encrypted note). `outbox.reminder_for` ties a reminder to its submission, and `cancelled_at`
marks one that is no longer needed because someone claimed the submission.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("submission_events") as batch:
        batch.add_column(sa.Column("urgent", sa.Boolean(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("reminder_for", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cancelled_at", TS, nullable=True))
        batch.create_foreign_key(
            op.f("fk_outbox_reminder_for_submissions"), "submissions", ["reminder_for"], ["id"]
        )
        batch.create_index(op.f("ix_outbox_reminder_for"), ["reminder_for"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(op.f("ix_outbox_reminder_for"))
        batch.drop_constraint(op.f("fk_outbox_reminder_for_submissions"), type_="foreignkey")
        batch.drop_column("cancelled_at")
        batch.drop_column("reminder_for")
    with op.batch_alter_table("submission_events") as batch:
        batch.drop_column("urgent")
