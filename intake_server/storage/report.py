"""What the callback report counts, and no more: each submission's metadata in a window, when it
first moved to "contacted", and for a consultation the one answer "how did you hear about us".
That answer is the only thing decrypted; the rest of the payload is dropped at once and nothing
that names a person leaves this module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from intake_server.storage.crypto import Keyring
from intake_server.storage.database import session_factory
from intake_server.storage.models import Submission, SubmissionEvent

# The consultation form's question that the report counts the answers of.
HEARD_ABOUT = "heard_about"


@dataclass(frozen=True)
class ReportRow:
    kind: str
    urgent: bool
    received_at: datetime
    first_contact_at: datetime | None
    outcome: str | None
    heard_about: str | None


class ReportReader:
    def __init__(self, engine: Engine, keyring: Keyring) -> None:
        self._read = session_factory(engine)
        self._keyring = keyring

    def rows(self, since: datetime) -> list[ReportRow]:
        """Every submission received since `since`, oldest first."""
        first_contact = (
            select(
                SubmissionEvent.submission_id.label("submission_id"),
                func.min(SubmissionEvent.at).label("at"),
            )
            .where(SubmissionEvent.to_status == "contacted")
            .group_by(SubmissionEvent.submission_id)
            .subquery()
        )
        with self._read() as session:
            found = session.execute(
                select(
                    Submission.kind,
                    Submission.urgent,
                    Submission.received_at,
                    first_contact.c.at,
                    Submission.outcome,
                    Submission.payload,
                )
                .outerjoin(first_contact, first_contact.c.submission_id == Submission.id)
                .where(Submission.received_at >= since)
                .order_by(Submission.received_at, Submission.id)
            ).all()
        return [
            ReportRow(kind, urgent, received, contacted, outcome, self._heard(kind, payload))
            for kind, urgent, received, contacted, outcome, payload in found
        ]

    def _heard(self, kind: str, payload: bytes | None) -> str | None:
        if kind != "consultation" or payload is None:
            return None
        answer = self._keyring.decrypt(payload).get(HEARD_ABOUT)
        return answer if isinstance(answer, str) else None
