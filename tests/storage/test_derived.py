"""Derived columns on SQLite and PostgreSQL: the contact preference and the blind indexes are
written with each submission, hold no plain value, follow the keyring's first key, and can be
filled for rows stored before they existed."""

from __future__ import annotations

import sqlalchemy as sa

from intake_server.storage import Keyring, SubmissionStore, generate_key, rederive_all
from intake_server.storage.derived import derived_columns, normalise_email, normalise_phone
from intake_server.storage.models import Submission
from tests.helpers.storage import KEYRING, row_of, store_submission

PAYLOAD = {
    "phone": "+13145550111",
    "email": "Riley.Parent@Example.org",
    "contact_method": "text",
    "best_time": "evening",
}


def test_phone_and_email_are_normalised_before_hashing() -> None:
    assert normalise_phone("(314) 555-0111") == normalise_phone("+1 314 555 0111")
    assert normalise_phone("314.555.0111") == "+13145550111"
    assert normalise_phone("not a number") is None and normalise_phone("") is None
    assert normalise_email("  Riley@Example.ORG ") == "riley@example.org"
    assert normalise_email("no-at-sign") is None
    typed = derived_columns({"phone": "314 555 0111", "email": "RILEY@example.org"}, KEYRING)
    stored = derived_columns({"phone": "+13145550111", "email": "riley@example.org"}, KEYRING)
    assert typed["phone_index"] == stored["phone_index"] is not None
    assert typed["email_index"] == stored["email_index"] is not None
    assert typed["phone_index"] != typed["email_index"]


def test_the_index_is_keyed_and_its_key_is_not_the_encryption_key() -> None:
    one, two = Keyring([generate_key()]), Keyring([generate_key()])
    assert one.blind_index("phone:+13145550111") != two.blind_index("phone:+13145550111")
    assert len(one.blind_index("x")) == 64


def test_stored_rows_carry_the_derived_columns_and_no_plain_value(engine: sa.Engine) -> None:
    reference = store_submission(SubmissionStore(engine, KEYRING), "consultation", PAYLOAD)
    row = row_of(engine, reference)
    assert (row.contact_method, row.best_time) == ("text", "evening")
    assert row.phone_index == KEYRING.blind_index("phone:+13145550111")
    assert row.email_index == KEYRING.blind_index("email:riley.parent@example.org")
    with engine.connect() as conn:
        cells = conn.execute(sa.select(Submission.__table__)).one()
    text = " ".join(str(cell) for cell in cells).lower()
    assert "5550111" not in text and "riley" not in text


def test_rederive_fills_old_rows_and_rekeys_after_rotation(engine: sa.Engine) -> None:
    old_key, new_key = generate_key(), generate_key()
    old = Keyring([old_key])
    reference = store_submission(SubmissionStore(engine, old), "consultation", PAYLOAD)
    purged = store_submission(SubmissionStore(engine, old), "consultation", PAYLOAD)
    with engine.begin() as conn:  # as a row stored before revision 0006 looks
        conn.execute(
            sa.update(Submission)
            .where(Submission.reference == reference)
            .values(contact_method=None, best_time=None, phone_index=None, email_index=None)
        )
        conn.execute(
            sa.update(Submission)
            .where(Submission.reference == purged)
            .values(payload=None, phone_index=None, email_index=None)
        )
    rotated = Keyring([new_key, old_key])
    assert rederive_all(engine, rotated, batch_size=1) == 1
    row = row_of(engine, reference)
    assert row.contact_method == "text"
    assert row.phone_index == Keyring([new_key]).blind_index("phone:+13145550111")
    assert row_of(engine, purged).phone_index is None
