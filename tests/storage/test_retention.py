"""Retention: purging the PHI of long-closed submissions keeps the rows, their timeline and the
audit trail, and never touches what is open or closed recently."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from intake_server.intake.forms import AssessmentForm, ConsultationForm
from intake_server.storage import Actor, AuditLog, SubmissionStore, purge_closed, utc_now
from intake_server.storage.database import session_factory
from intake_server.storage.models import Submission, SubmissionEvent
from tests.helpers.forms import ASSESSMENT, CONSULTATION, CONSULTATION_FOR_SELF, form_payload
from tests.helpers.storage import KEYRING, audit_entries, change, row_of, store_submission


def close(engine: sa.Engine, reference: str, days_ago: int, note: str) -> None:
    closed_at = utc_now() - timedelta(days=days_ago)
    change(engine, reference, status="closed", outcome="not_a_fit", closed_at=closed_at)
    with session_factory(engine).begin() as session:
        session.add(
            SubmissionEvent(
                submission_id=row_of(engine, reference).id,
                at=closed_at,
                action="note",
                note=KEYRING.encrypt({"text": note}),
            )
        )


def notes(engine: sa.Engine, reference: str) -> list[bytes | None]:
    with session_factory(engine)() as session:
        return list(
            session.scalars(
                sa.select(SubmissionEvent.note)
                .join(Submission, Submission.id == SubmissionEvent.submission_id)
                .where(Submission.reference == reference)
            )
        )


@pytest.fixture
def retention_case(engine) -> dict[str, str]:
    """One submission closed long ago, one closed recently, one still open, and audit entries."""
    audit = AuditLog(engine)
    audit.record("signed_in", Actor(id=None, email="ana@clinic.example", client_addr="127.0.0.1"))
    intake = SubmissionStore(engine, KEYRING)
    old = store_submission(intake, "consultation", form_payload(ConsultationForm, CONSULTATION))
    recent = store_submission(intake, "assessment", form_payload(AssessmentForm, ASSESSMENT))
    still_open = store_submission(
        intake, "consultation", form_payload(ConsultationForm, CONSULTATION_FOR_SELF)
    )
    close(engine, old, days_ago=400, note="Called Maria, Sam declined")
    close(engine, recent, days_ago=10, note="Referred Sam elsewhere")
    audit.record(
        "status_changed",
        Actor(id=None, email="ana@clinic.example", client_addr=None),
        reference=old,
    )
    return {"old": old, "recent": recent, "open": still_open}


def test_dry_run_changes_nothing(engine, retention_case) -> None:
    before = row_of(engine, retention_case["old"])
    result = purge_closed(engine, older_than=timedelta(days=365), dry_run=True)
    assert result.dry_run and result.references == [retention_case["old"]]
    after = row_of(engine, retention_case["old"])
    assert after.payload == before.payload and after.purged_at is None
    assert notes(engine, retention_case["old"])[0] is not None
    assert audit_entries(engine, "purged") == []


def test_purge_removes_phi_keeps_the_row_and_audits_each(engine, retention_case) -> None:
    old = retention_case["old"]
    before = row_of(engine, old)
    result = purge_closed(engine, older_than=timedelta(days=365))
    assert result.references == [old] and not result.dry_run
    after = row_of(engine, old)
    assert after.payload is None and after.purged_at is not None
    # The blind indexes are derived from PHI: they go with it.
    assert before.phone_index is not None and before.email_index is not None
    assert after.phone_index is None and after.email_index is None
    kept = ("reference", "kind", "urgent", "status", "outcome", "received_at", "closed_at")
    assert all(getattr(after, name) == getattr(before, name) for name in kept)
    assert notes(engine, old) == [None]  # the timeline entry stays, its text does not
    for other in (retention_case["recent"], retention_case["open"]):
        assert row_of(engine, other).payload is not None and row_of(engine, other).purged_at is None
    assert notes(engine, retention_case["recent"])[0] is not None
    [entry] = audit_entries(engine, "purged")
    assert (entry.reference, entry.actor_id, entry.actor_email) == (old, None, "system:purge")
    assert json.loads(entry.detail) == {"older_than_days": 365}
    total = len(AuditLog(engine).search(limit=1000).entries)
    assert AuditLog(engine).verify() == (total, None)
    # Run again: nothing left to purge, nothing recorded twice.
    assert purge_closed(engine, older_than=timedelta(days=365)).references == []
    assert len(audit_entries(engine, "purged")) == 1
    # A shorter period reaches the recently closed one; the open one is never touched.
    assert purge_closed(engine, older_than=timedelta(days=7)).references == [
        retention_case["recent"]
    ]
    assert row_of(engine, retention_case["open"]).payload is not None
    assert AuditLog(engine).verify() == (total + 1, None)


def test_purged_ciphertext_leaves_the_sqlite_files(sqlite_url: str) -> None:
    """Neither the database file's free space nor the WAL's older frames keep what a purge
    removed (secure_delete, then a checkpoint that empties the WAL)."""
    from intake_server.storage import make_engine, upgrade

    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        reference = store_submission(SubmissionStore(engine, KEYRING), "consultation")
        close(engine, reference, days_ago=400, note="called back, left a message")
        token = row_of(engine, reference).payload
        database = sa.make_url(sqlite_url).database
        files = [database, f"{database}-wal"]

        def on_disk() -> bytes:
            return b"".join(Path(f).read_bytes() for f in files)

        assert token in on_disk()
        result = purge_closed(engine, older_than=timedelta(days=365))
        assert result.references == [reference] and result.wal_emptied
        # The engine's connections stay open, so SQLite has not tidied up on close.
        assert token[20:80] not in on_disk()
    finally:
        engine.dispose()
