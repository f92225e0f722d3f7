"""Create the submissions table.

Revision ID: 0001
Revises:
Create Date: 2025-11-23

The value lists are copied, not imported from the models: a migration must keep describing the
schema as it was when it ran, whatever the models say later. Names are wrapped in op.f() because
they are already final; the metadata's naming convention must not be applied to them again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=9), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=32), server_default="new", nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_submissions_idempotency_key")),
        sa.CheckConstraint(
            "kind IN ('consultation', 'assessment')", name=op.f("ck_submissions_kind")
        ),
        sa.CheckConstraint(
            "status IN ('new', 'in_progress', 'contacted', 'evaluation_scheduled', 'closed')",
            name=op.f("ck_submissions_status"),
        ),
    )
    op.create_index(op.f("ix_submissions_reference"), "submissions", ["reference"], unique=True)
    op.create_index(op.f("ix_submissions_received_at"), "submissions", ["received_at"])
    op.create_index(
        op.f("ix_submissions_queue"), "submissions", ["status", "urgent", "received_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_submissions_queue"), table_name="submissions")
    op.drop_index(op.f("ix_submissions_received_at"), table_name="submissions")
    op.drop_index(op.f("ix_submissions_reference"), table_name="submissions")
    op.drop_table("submissions")
