"""Retention: PHI is kept only as long as it is needed.

A closed submission whose `closed_at` is older than the retention period loses everything a
person wrote (the encrypted payload) and every staff note on its timeline. What stays is what the
clinic needs to count and audit its work: reference, kind, urgency, status, outcome, dates and the
timeline's actions. Each purge writes its audit entry in the same transaction, so a submission is
never purged without a record, nor recorded without being purged.

`flask --app intake_server purge [--older-than-days N] [--dry-run]` runs it, daily from cron.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Engine, Select, select, update

from intake_server.storage import audit
from intake_server.storage.audit import Actor
from intake_server.storage.database import session_factory, writer_session_factory
from intake_server.storage.models import Submission, SubmissionEvent, utc_now

PURGE_ACTOR = Actor(id=None, email="system:purge", client_addr=None)
DEFAULT_PURGE_AFTER_DAYS = 365
# Submissions per transaction: short transactions keep the form and the dashboard responsive.
BATCH_SIZE = 100


@dataclass(frozen=True)
class PurgeResult:
    references: list[str]
    dry_run: bool

    @property
    def count(self) -> int:
        return len(self.references)


def _due(cutoff: datetime) -> Select:
    """Closed before the cutoff and not purged yet. A closed row with no closed_at is left alone:
    its age is unknown, and guessing wrong would destroy records early."""
    return select(Submission.id, Submission.reference).where(
        Submission.status == "closed",
        Submission.closed_at.is_not(None),
        Submission.closed_at < cutoff,
        Submission.purged_at.is_(None),
    )


def purge_closed(
    engine: Engine,
    *,
    older_than: timedelta,
    now: datetime | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
) -> PurgeResult:
    """Purge (or, with dry_run, only list) closed submissions older than `older_than`."""
    if older_than < timedelta(0):
        raise ValueError("older_than must not be negative")
    now = now or utc_now()
    cutoff = now - older_than
    if dry_run:
        with session_factory(engine)() as session:
            rows = session.execute(_due(cutoff).order_by(Submission.id)).all()
        return PurgeResult(references=[row.reference for row in rows], dry_run=True)
    days = older_than.days
    purged: list[str] = []
    writer = writer_session_factory(engine)
    while True:
        with writer.begin() as session:
            # Chosen again inside the writing transaction (locked on PostgreSQL), so a submission
            # reopened a moment ago is not purged.
            rows = session.execute(
                _due(cutoff).order_by(Submission.id).limit(batch_size).with_for_update()
            ).all()
            if not rows:
                return PurgeResult(references=purged, dry_run=False)
            ids = [row.id for row in rows]
            session.execute(
                update(Submission).where(Submission.id.in_(ids)).values(payload=None, purged_at=now)
            )
            session.execute(
                update(SubmissionEvent)
                .where(SubmissionEvent.submission_id.in_(ids), SubmissionEvent.note.is_not(None))
                .values(note=None)
            )
            for row in rows:
                audit.append(
                    session,
                    "purged",
                    PURGE_ACTOR,
                    reference=row.reference,
                    detail={"older_than_days": days},
                )
        purged.extend(row.reference for row in rows)


# --- The command -----------------------------------------------------------------------------


@click.command(
    "purge",
    help="Remove the personal details of closed submissions older than the retention period "
    "(PURGE_AFTER_DAYS, default 365). The rows, their timeline and the audit trail stay.",
)
@click.option(
    "--older-than-days",
    type=click.IntRange(min=1),
    default=None,
    help="Closed more than this many days ago (default: PURGE_AFTER_DAYS).",
)
@click.option("--dry-run", is_flag=True, help="Only list what would be purged; change nothing.")
@with_appcontext
def purge_command(older_than_days: int | None, dry_run: bool) -> None:
    days = older_than_days or int(
        current_app.config.get("PURGE_AFTER_DAYS", DEFAULT_PURGE_AFTER_DAYS)
    )
    if days < 1:
        raise click.BadParameter("PURGE_AFTER_DAYS must be at least 1")
    result = purge_closed(
        current_app.extensions["db_engine"], older_than=timedelta(days=days), dry_run=dry_run
    )
    verb = "would purge" if dry_run else "purged"
    click.echo(f"{verb} {result.count} submissions closed more than {days} days ago")
    # References are not PHI; they let an operator check a purge against the dashboard.
    for reference in result.references:
        click.echo(f"  {reference}")
