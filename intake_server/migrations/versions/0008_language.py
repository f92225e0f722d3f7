"""The language a person filled a form in, so staff know to call back in Spanish.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

`submissions.language` is metadata, not PHI: "en" or "es", the language of the form's page.
Every submission stored before this was sent from an English form, so existing rows are "en".
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("language", sa.String(8), server_default="en", nullable=False))
        batch.create_check_constraint(op.f("ck_submissions_language"), "language IN ('en', 'es')")


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint(op.f("ck_submissions_language"), type_="check")
        batch.drop_column("language")
