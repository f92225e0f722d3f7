"""Sign-in pauses per account and client, and a fixed row for the health check's write.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

`sign_in_throttles` replaces `staff_users.throttled_until`: a pause now stops one client trying
one email address (known or not), never the account everywhere, so a stranger cannot lock a
colleague out and a pause says nothing about whether an account exists. `health_check` holds one
row that /healthz rewrites to prove a write can commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("throttled_until", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttles")),
    )
    op.create_index(op.f("ix_sign_in_throttles_updated_at"), "sign_in_throttles", ["updated_at"])
    health = op.create_table(
        "health_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_check")),
    )
    # Naive UTC on SQLite, like every timestamp the models write there.
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    op.bulk_insert(health, [{"id": 1, "checked_at": now}])
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("throttled_until")


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("throttled_until", TS, nullable=True))
    op.drop_table("health_check")
    op.drop_index(op.f("ix_sign_in_throttles_updated_at"), table_name="sign_in_throttles")
    op.drop_table("sign_in_throttles")
