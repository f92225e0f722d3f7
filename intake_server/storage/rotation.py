"""Key rotation: every encrypted column moved onto the keyring's first key.

Three columns hold ciphertext: submission payloads, staff notes, and authenticator secrets. An old
key can leave ENCRYPTION_KEYS only once none of them needs it, so rotation covers all three in one
place; a column added later belongs in ENCRYPTED_COLUMNS too (tests/test_storage.py checks that
the list matches the models).
"""

from __future__ import annotations

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import InstrumentedAttribute

from intake_server.storage.crypto import Keyring
from intake_server.storage.database import session_factory, writer_session_factory
from intake_server.storage.models import StaffUser, Submission, SubmissionEvent

ENCRYPTED_COLUMNS: tuple[InstrumentedAttribute, ...] = (
    Submission.payload,
    SubmissionEvent.note,
    StaffUser.totp_secret,
)


def reencrypt_all(engine: Engine, keyring: Keyring, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every stored ciphertext under the first key; returns counts per column.

    Batches are committed one by one, so a large table never holds one long lock and an
    interrupted run can simply be started again. Empty values (a purged payload, an event without
    a note) are skipped. A value no key can read raises cryptography's InvalidToken, since
    skipping it would leave a row behind unnoticed."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    sessions = session_factory(engine)
    writers = writer_session_factory(engine)
    counts: dict[str, int] = {}
    for column in ENCRYPTED_COLUMNS:
        model = column.class_
        table = model.__table__
        # Written only where the value is still the one read: a purge or an authenticator reset
        # that lands between the read and the write must win, never be undone by old ciphertext.
        write = (
            table.update()
            .where(table.c.id == bindparam("row_id"), table.c[column.key] == bindparam("old"))
            .values({column.key: bindparam("new")})
        )
        done, last_id = 0, 0
        while True:
            # Read and write in separate transactions, so the read holds no writer's turn.
            with sessions() as session:
                batch = session.execute(
                    select(model.id, column)
                    .where(model.id > last_id, column.is_not(None))
                    .order_by(model.id)
                    .limit(batch_size)
                ).all()
            if not batch:
                break
            rotated = [
                {"row_id": row_id, "old": value, "new": keyring.rotate(value)}
                for row_id, value in batch
            ]
            with writers.begin() as session:
                session.execute(write, rotated)
            done += len(batch)
            last_id = batch[-1][0]
        counts[f"{model.__tablename__}.{column.key}"] = done
    return counts
