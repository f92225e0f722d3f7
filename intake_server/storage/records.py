"""Finding one submission by its reference, and the row as a plain dict, decrypted: what the
queue detail and the FHIR export both start from, so a field added here reaches both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake_server.storage.crypto import Keyring
from intake_server.storage.models import Submission
from intake_server.storage.reference import normalise_reference


def find_submission(session: Session, reference: str) -> Submission | None:
    """The row for a reference as staff or the person typed it; None when there is none, and
    without a query when the text cannot be a reference at all."""
    canonical = normalise_reference(reference)
    if canonical is None:
        return None
    return session.scalar(select(Submission).where(Submission.reference == canonical))


def submission_record(row: Submission, keyring: Keyring) -> dict[str, Any]:
    """Metadata and the decrypted answers under "payload" (None once purged), kept apart so a
    form field can never shadow a field such as status."""
    return {
        "reference": row.reference,
        "kind": row.kind,
        "urgent": row.urgent,
        "language": row.language,
        "status": row.status,
        "outcome": row.outcome,
        "received_at": row.received_at,
        "closed_at": row.closed_at,
        "purged_at": row.purged_at,
        "payload": keyring.decrypt(row.payload) if row.payload else None,
    }
