"""An index in the staff queue's order, so deep pages do not sort the whole table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_submissions_queue_order",
        "submissions",
        [sa.text("urgent DESC"), "received_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_submissions_queue_order", table_name="submissions")
