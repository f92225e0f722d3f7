"""The submission repository: storing what people send, and reading one submission back.

Its promise to the web layer: `add` returns only once the row is committed, so a reference shown
to a person is a submission the clinic really has; anything else is a StorageUnavailable, which the
web layer turns into "we could not save this, please call us", keeping the person's answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from intake_server.storage.clock import Clock, utc_now
from intake_server.storage.crypto import Keyring
from intake_server.storage.database import (
    DurabilityError,
    WriterBusy,
    session_factory,
    writer_session_factory,
)
from intake_server.storage.derived import derived_columns
from intake_server.storage.links import LinkUnusable, link_is_usable, redeem_link
from intake_server.storage.models import KINDS, Submission
from intake_server.storage.records import find_submission, submission_record
from intake_server.storage.reference import new_reference

InsertHook = Callable[[Session, Submission], None]

# 30^8 codes make a collision rare; a few retries make one harmless.
REFERENCE_ATTEMPTS = 5
IDEMPOTENCY_KEY_MAX = 64


class StorageUnavailable(Exception):
    """The database could not be reached or did not confirm a write. Messages never hold PHI;
    the underlying error is chained as __cause__ for the logs."""


@dataclass(frozen=True)
class Receipt:
    """What the person is told: their reference and when the clinic received their submission."""

    reference: str
    kind: str
    urgent: bool
    received_at: datetime
    created: bool


@contextmanager
def storage_errors(message: str) -> Iterator[None]:
    try:
        yield
    except (SQLAlchemyError, DurabilityError, WriterBusy) as exc:
        raise StorageUnavailable(message) from exc


class SubmissionStore:
    """Encrypted, idempotent storage of intake submissions."""

    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        *,
        clock: Clock = utc_now,
        on_insert: Sequence[InsertHook] = (),
    ) -> None:
        """`on_insert` hooks run in the same transaction (queueing a notice mail), so they commit
        with the submission or not at all. They are given the session and the new row only."""
        self._keyring = keyring
        self._sessions = session_factory(engine)
        self._write = writer_session_factory(engine)
        self._engine = engine
        self._clock = clock
        self._on_insert = tuple(on_insert)

    def add(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        urgent: bool,
        idempotency_key: str,
        link_token: str | None = None,
    ) -> Receipt:
        """Store a submission and return its receipt once committed. Sending the same
        idempotency key again returns the first receipt (created=False) instead of a second row.
        With a personal link's token, the link is used up and the submission attached to its
        consultation in the same transaction; a used or expired link raises LinkUnusable."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if not 0 < len(idempotency_key) <= IDEMPOTENCY_KEY_MAX:
            raise ValueError(f"idempotency_key must be 1 to {IDEMPOTENCY_KEY_MAX} characters")
        token = self._keyring.encrypt(payload)
        derived = derived_columns(payload, self._keyring)
        with storage_errors("the submission could not be saved"):
            # Insert first and look for an earlier copy only when that fails: a resent form is
            # rare, and one transaction per new submission is what the load benchmark measures.
            for _ in range(REFERENCE_ATTEMPTS):
                try:
                    return self._insert(
                        kind,
                        token,
                        derived,
                        urgent=urgent,
                        idempotency_key=idempotency_key,
                        link_token=link_token,
                    )
                except LinkUnusable:
                    # Used up by this very form's first copy? Then that copy is the answer.
                    existing = self._receipt_for(idempotency_key)
                    if existing is not None:
                        return existing
                    raise
                except IntegrityError as exc:
                    last_error = exc
                # Either a concurrent request with the same key won the race, or the reference
                # was taken: the first means answer with that row, the second means try another.
                existing = self._receipt_for(idempotency_key)
                if existing is not None:
                    return existing
            raise last_error

    def get(self, reference: str) -> dict[str, Any] | None:
        """The decrypted submission for a reference as staff or the person typed it, or None.

        The answers sit under "payload" (None once purged), apart from the metadata. An
        unreadable payload (its key was removed from the keyring) raises cryptography's
        InvalidToken.
        """
        with storage_errors("the submission could not be read"), self._sessions() as session:
            row = find_submission(session, reference)
        if row is None:
            return None
        return {**submission_record(row, self._keyring), "updated_at": row.updated_at}

    def link_usable(self, token: str) -> bool:
        """Whether a personal assessment link can still be used (it is checked again on submit)."""
        with storage_errors("the link could not be checked"), self._sessions() as session:
            return link_is_usable(session, token, self._clock())

    def ping(self) -> None:
        """Check that the database answers, for health checks and before showing a form."""
        with storage_errors("the database is not reachable"), self._engine.connect() as conn:
            conn.execute(text("select 1"))

    def _receipt_for(self, idempotency_key: str) -> Receipt | None:
        with self._sessions() as session:
            row = session.scalar(
                select(Submission).where(Submission.idempotency_key == idempotency_key)
            )
        return None if row is None else _receipt(row, created=False)

    def _insert(
        self,
        kind: str,
        token: bytes,
        derived: dict[str, str | None],
        *,
        urgent: bool,
        idempotency_key: str,
        link_token: str | None,
    ) -> Receipt:
        # A write transaction of its own (on SQLite: through the writers' gate, BEGIN IMMEDIATE).
        now = self._clock()
        row = Submission(
            reference=new_reference(),
            kind=kind,
            urgent=urgent,
            received_at=now,
            updated_at=now,
            idempotency_key=idempotency_key,
            payload=token,
            **derived,
        )
        with self._write.begin() as session:
            if link_token is not None:
                row.consultation_id = redeem_link(session, link_token, now)
            session.add(row)
            session.flush()
            for hook in self._on_insert:
                hook(session, row)
        return _receipt(row, created=True)


def _receipt(row: Submission, *, created: bool) -> Receipt:
    return Receipt(
        reference=row.reference,
        kind=row.kind,
        urgent=row.urgent,
        received_at=row.received_at,
        created=created,
    )
