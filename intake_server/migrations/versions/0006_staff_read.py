"""Columns for the queue row and possible duplicates.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

`submissions` gains the contact preference (choice keys, not identifying) so the queue row can
show it without decrypting, blind indexes of the phone number and email (keyed hashes, never the
values) to find possible duplicates, and `duplicate_of_id` for a submission closed as a duplicate;
`submission_events` gains `duplicate_of_id` so the timeline can say which one. Rows stored before
this revision get their derived columns from `flask --app intake_server keys reindex`, which needs
the keyring (a migration never sees the keys).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("contact_method", sa.String(16), nullable=True))
        batch.add_column(sa.Column("best_time", sa.String(16), nullable=True))
        batch.add_column(sa.Column("phone_index", sa.String(64), nullable=True))
        batch.add_column(sa.Column("email_index", sa.String(64), nullable=True))
        batch.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_submissions_duplicate_of_id_submissions"),
            "submissions",
            ["duplicate_of_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_submissions_phone_index"), ["phone_index"])
        batch.create_index(op.f("ix_submissions_email_index"), ["email_index"])
    with op.batch_alter_table("submission_events") as batch:
        batch.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_submission_events_duplicate_of_id_submissions"),
            "submissions",
            ["duplicate_of_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("submission_events") as batch:
        batch.drop_constraint(
            op.f("fk_submission_events_duplicate_of_id_submissions"), type_="foreignkey"
        )
        batch.drop_column("duplicate_of_id")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_index(op.f("ix_submissions_email_index"))
        batch.drop_index(op.f("ix_submissions_phone_index"))
        batch.drop_constraint(
            op.f("fk_submissions_duplicate_of_id_submissions"), type_="foreignkey"
        )
        for column in (
            "duplicate_of_id",
            "email_index",
            "phone_index",
            "best_time",
            "contact_method",
        ):
            batch.drop_column(column)
