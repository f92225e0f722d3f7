"""Key rotation: every encrypted column moves to the new key, so an old key can be removed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography.fernet import InvalidToken

from intake_server.storage import (
    Actor,
    Keyring,
    StaffStore,
    SubmissionStore,
    WorkStore,
    generate_key,
)
from intake_server.storage.models import Base, StaffUser, Submission
from intake_server.storage.rotation import ENCRYPTED_COLUMNS, reencrypt_all
from testkit.clients import create_enrolled_account
from tests.helpers.storage import marked_answers as answers
from tests.helpers.storage import store_submission

KEY_A = generate_key()
KEY_B = generate_key()


def test_key_rotation_moves_every_encrypted_column_to_the_new_key(engine: sa.Engine) -> None:
    """Submissions, staff notes and authenticator secrets all move; a purged (empty) payload is
    skipped; afterwards the old key can go."""
    old = Keyring([KEY_A])
    references = [
        store_submission(SubmissionStore(engine, old), "consultation", answers(n=i))
        for i in range(5)
    ]
    secret = create_enrolled_account(StaffStore(engine, old), "ana@example.org", "staff", "pw")
    with engine.begin() as conn:
        ana_id = conn.scalar(sa.select(StaffUser.id).where(StaffUser.email == "ana@example.org"))
        conn.execute(
            sa.update(Submission)
            .where(Submission.reference == references[4])
            .values(payload=None)  # what purge leaves behind
        )
    ana = Actor(id=ana_id, email="ana@example.org", client_addr=None)
    WorkStore(engine, old).add_note(references[0], ana, "Left a voicemail")

    counts = reencrypt_all(engine, Keyring([KEY_B, KEY_A]), batch_size=2)
    assert counts == {
        "submissions.payload": 4,
        "submission_events.note": 1,
        "staff_users.totp_secret": 1,
    }

    new_only = Keyring([KEY_B])
    for i, reference in enumerate(references[:4]):
        stored = SubmissionStore(engine, new_only).get(reference)
        assert stored is not None and stored["payload"] == answers(n=i)
    notes = WorkStore(engine, new_only).detail(references[0])["timeline"]
    assert [e["note"] for e in notes if e["note"]] == ["Left a voicemail"]
    with engine.connect() as conn:
        totp = conn.scalar(sa.select(StaffUser.totp_secret).where(StaffUser.id == ana_id))
    assert new_only.decrypt(totp) == {"totp": secret}
    with pytest.raises(InvalidToken):
        SubmissionStore(engine, old).get(references[0])


def test_a_purge_during_rotation_is_not_undone(engine: sa.Engine) -> None:
    """Rotation reads a batch, then writes it back: a purge that lands in between must stand."""
    old = Keyring([KEY_A])
    reference = store_submission(SubmissionStore(engine, old), "consultation", answers())

    class PurgedMeanwhile(Keyring):
        def rotate(self, token: bytes) -> bytes:
            with engine.begin() as conn:  # the retention job, on another connection
                conn.execute(
                    sa.update(Submission)
                    .where(Submission.reference == reference)
                    .values(payload=None)
                )
            return super().rotate(token)

    reencrypt_all(engine, PurgedMeanwhile([KEY_B, KEY_A]))
    stored = SubmissionStore(engine, Keyring([KEY_B])).get(reference)
    assert stored is not None and stored["payload"] is None


def test_every_encrypted_column_is_rotated() -> None:
    """A new binary (ciphertext) column must join the rotation, or an old key could never go."""
    binary = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, sa.LargeBinary)
    }
    rotated = {f"{c.class_.__tablename__}.{c.key}" for c in ENCRYPTED_COLUMNS}
    assert rotated == binary


def test_reencrypt_of_an_empty_database(engine: sa.Engine) -> None:
    assert set(reencrypt_all(engine, Keyring([KEY_A])).values()) == {0}
