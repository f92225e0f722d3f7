"""Retention: PHI is kept only as long as it is needed.

A closed submission whose `closed_at` is older than the retention period loses everything a
person wrote (the encrypted payload) and every staff note on its timeline. What stays is what the
clinic needs to count and audit its work: reference, kind, urgency, status, outcome, dates and the
timeline's actions. Each purge writes its audit entry in the same transaction, so a submission is
never purged without a record, nor recorded without being purged.

`flask --app intake_server purge` (intake_server/cli/purge.py) runs it, daily from cron.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, Select, select, update

from intake_server.storage import audit
from intake_server.storage.audit import Actor
from intake_server.storage.clock import Clock, utc_now
from intake_server.storage.database import checkpoint, session_factory, writer_session_factory
from intake_server.storage.models import Submission, SubmissionEvent

PURGE_ACTOR = Actor(id=None, email="system:purge", client_addr=None)
# Submissions per transaction: short transactions keep the form and the dashboard responsive.
BATCH_SIZE = 100


@dataclass(frozen=True)
class PurgeResult:
    references: list[str]
    dry_run: bool
    # Whether the SQLite WAL was emptied afterwards (always True on PostgreSQL and dry runs).
    wal_emptied: bool = True

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
    clock: Clock = utc_now,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
) -> PurgeResult:
    """Purge (or, with dry_run, only list) closed submissions older than `older_than`."""
    if older_than < timedelta(0):
        raise ValueError("older_than must not be negative")
    now = clock()
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
                break
            ids = [row.id for row in rows]
            session.execute(
                update(Submission)
                .where(Submission.id.in_(ids))
                .values(payload=None, purged_at=now, phone_index=None, email_index=None)
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
                    at=now,
                    reference=row.reference,
                    detail={"older_than_days": days},
                )
        purged.extend(row.reference for row in rows)
    # The overwritten ciphertext may still sit in older frames of SQLite's WAL until then.
    emptied = checkpoint(engine) if purged else True
    return PurgeResult(references=purged, dry_run=False, wal_emptied=emptied)
