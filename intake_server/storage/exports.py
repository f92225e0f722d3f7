"""Reading submissions for exports: the SQL behind the queue CSV and the FHIR export.

Metadata rows never decrypt anything. Contact details are decrypted only when the caller asks for
them, and then only the name, phone, email and age group (under 18 or not, which staff need before
they call) are taken out of the payload (minimum necessary); the rest of what the person wrote
never leaves this module for a CSV.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from intake_server.storage.crypto import Keyring
from intake_server.storage.database import session_factory
from intake_server.storage.models import StaffUser, Submission
from intake_server.storage.records import find_submission, submission_record

# Rows fetched per round trip: a large queue streams instead of loading at once.
FETCH_SIZE = 500


@dataclass(frozen=True)
class Contact:
    name: str | None
    phone: str | None
    email: str | None
    # A consultation's age group ("under_18" or "18_or_over"); None for an assessment.
    age_group: str | None = None


@dataclass(frozen=True)
class ExportRow:
    reference: str
    kind: str
    received_at: datetime
    status: str
    outcome: str | None
    urgent: bool
    assignee_email: str | None
    # None unless contacts were asked for; empty fields once the submission is purged.
    contact: Contact | None = None


def contact_from(kind: str, payload: dict[str, Any] | None) -> Contact:
    """Who to call: the requester of a consultation (it is their phone), the person themselves
    for an assessment. An assessment sent through a personal link holds no identity of its own."""
    if not payload:
        return Contact(None, None, None)
    if kind == "consultation":
        return Contact(
            payload.get("requester_name"),
            payload.get("phone"),
            payload.get("email"),
            payload.get("age_group"),
        )
    return Contact(payload.get("full_name"), payload.get("phone"), payload.get("email"))


class ExportReader:
    def __init__(self, engine: Engine, keyring: Keyring) -> None:
        self._read = session_factory(engine)
        self._keyring = keyring

    def queue_rows(self, *, contacts: bool = False) -> Iterator[ExportRow]:
        """Every submission, oldest first, with its assignee's email; with `contacts`, the
        decrypted name, phone and email too."""
        columns = [
            Submission.reference,
            Submission.kind,
            Submission.received_at,
            Submission.status,
            Submission.outcome,
            Submission.urgent,
            StaffUser.email.label("assignee_email"),
        ]
        if contacts:
            columns.append(Submission.payload)
        query = (
            select(*columns)
            .outerjoin(StaffUser, StaffUser.id == Submission.assignee_id)
            .order_by(Submission.received_at, Submission.id)
            .execution_options(yield_per=FETCH_SIZE)
        )
        with self._read() as session:
            for row in session.execute(query):
                contact = None
                if contacts:
                    payload = self._keyring.decrypt(row.payload) if row.payload else None
                    contact = contact_from(row.kind, payload)
                yield ExportRow(
                    reference=row.reference,
                    kind=row.kind,
                    received_at=row.received_at,
                    status=row.status,
                    outcome=row.outcome,
                    urgent=row.urgent,
                    assignee_email=row.assignee_email,
                    contact=contact,
                )

    def submission(self, reference: str) -> dict[str, Any] | None:
        """One submission for a FHIR export: metadata, the decrypted payload (None once purged),
        and for an assessment sent through a personal link, the consultation it belongs to,
        which says who the person is."""
        with self._read() as session:
            row = find_submission(session, reference)
            if row is None:
                return None
            parent = session.get(Submission, row.consultation_id) if row.consultation_id else None
        result = submission_record(row, self._keyring)
        result["consultation"] = (
            submission_record(parent, self._keyring) if parent is not None else None
        )
        return result
