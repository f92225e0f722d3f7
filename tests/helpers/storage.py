"""Rows behind the app's back: the one way to store a submission when a test just needs one,
counting rows with SQL, and changing rows the way time or another process would."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from intake_server.storage import Keyring, SubmissionStore, generate_key
from intake_server.storage.database import session_factory
from intake_server.storage.models import AuditEntry, Submission

# One key for the tests that build their own stores on an engine.
KEYRING = Keyring([generate_key()])


def sample_payload(kind: str) -> dict[str, Any]:
    """What the real form stores for the sample answers (CONSULTATION or ASSESSMENT)."""
    from intake_server.intake.forms import AssessmentForm, ConsultationForm
    from tests.helpers.forms import ASSESSMENT, CONSULTATION, form_payload

    if kind == "consultation":
        return form_payload(ConsultationForm, CONSULTATION)
    return form_payload(AssessmentForm, ASSESSMENT)


def store_submission(
    store: SubmissionStore,
    kind: str = "consultation",
    payload: dict[str, Any] | None = None,
    *,
    urgent: bool = False,
    language: str = "en",
) -> str:
    """Store a submission through the storage layer and return its reference. `payload`
    defaults to what the form stores for the sample answers. The store is the app's
    (`services(app).submissions`) or one a test built on its own engine; `language` is the
    language of the form it came from."""
    data = sample_payload(kind) if payload is None else payload
    key = secrets.token_urlsafe(16)
    return store.add(kind, data, urgent=urgent, idempotency_key=key, language=language).reference


def count_submissions(engine: sa.Engine) -> int:
    """Every submission row, counted with SQL on a connection of its own."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(Submission)).scalar_one()


def change(engine: sa.Engine, reference: str, **values: Any) -> None:
    """Set columns of one submission directly, as time, a purge or another process would."""
    with session_factory(engine).begin() as session:
        session.execute(
            sa.update(Submission).where(Submission.reference == reference).values(**values)
        )


def row_of(engine: sa.Engine, reference: str) -> Submission:
    with session_factory(engine)() as session:
        return session.scalar(sa.select(Submission).where(Submission.reference == reference))


def audit_entries(engine: sa.Engine, action: str) -> list[AuditEntry]:
    """The audit trail's entries of one action, read with SQL."""
    with session_factory(engine)() as session:
        return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def disk_fails(_connection: Any) -> None:
    """A COMMIT that fails as a full or broken disk makes it fail."""
    raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))


@contextmanager
def failing_commits(engine: sa.Engine) -> Iterator[None]:
    """Every COMMIT on `engine` fails while inside: the seam for a failure between the INSERT
    and the COMMIT (nothing in the storage layer knows about it)."""
    sa.event.listen(engine, "commit", disk_fails)
    try:
        yield
    finally:
        sa.event.remove(engine, "commit", disk_fails)


# Planted in stored answers, so a test can look for them anywhere they must not be.
MARKER = "ZEBRA-MARKER-8841"
MARKER_ACCENTED = "Zoë-Þórsdóttir-MARKER-5530"


def marked_answers(**extra: Any) -> dict[str, Any]:
    """A payload with PHI-like marker strings in it, for the storage layer's own tests."""
    return {
        "name": f"{MARKER} {MARKER_ACCENTED}",
        "phone": "+15555550123",
        "message": f"I have not slept in days. {MARKER}",
        "problems": ["anxiety", "sleep"],
        **extra,
    }
