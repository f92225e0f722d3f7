"""Columns derived from the encrypted answers when a submission is stored: the contact preference
the queue row shows, and the blind indexes that find possible duplicates.

A blind index is a keyed hash (`Keyring.blind_index`) of the normalised phone number (E.164) and
email address (lower case), so two submissions from the same number match without decrypting the
table and without a plain value in any column. `rederive_all` fills these columns for rows stored
before they existed, and re-keys the indexes after the keyring's first key changes.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import phonenumbers
from sqlalchemy import Engine, bindparam, select

from intake_server.storage.crypto import Keyring
from intake_server.storage.database import session_factory, writer_session_factory
from intake_server.storage.models import Submission

# Numbers typed without a country code are read as this country's (the forms do the same).
DEFAULT_REGION = "US"
DERIVED_COLUMNS = ("contact_method", "best_time", "phone_index", "email_index")


def normalise_phone(text: str | None) -> str | None:
    """The E.164 form of a phone number ("+13145550111"), or None if it is not a valid one."""
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(text: str | None) -> str | None:
    """An email address as one comparable string: Unicode-normalised, trimmed, lower case."""
    if not text or "@" not in text:
        return None
    return unicodedata.normalize("NFKC", text).strip().lower()


def derived_columns(payload: dict[str, Any] | None, keyring: Keyring) -> dict[str, str | None]:
    """The derived columns' values for a payload (all None once purged)."""
    payload = payload or {}
    phone = normalise_phone(payload.get("phone"))
    email = normalise_email(payload.get("email"))
    return {
        "contact_method": payload.get("contact_method"),
        "best_time": payload.get("best_time"),
        "phone_index": keyring.blind_index(f"phone:{phone}") if phone else None,
        "email_index": keyring.blind_index(f"email:{email}") if email else None,
    }


def rederive_all(engine: Engine, keyring: Keyring, batch_size: int = 500) -> int:
    """Recompute the derived columns of every stored payload with the keyring's first key;
    returns how many rows were written. Batches commit one by one and a row is written only if
    its payload is still the one read (a purge in between wins), so a run can be repeated."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    table = Submission.__table__
    write = (
        table.update()
        .where(table.c.id == bindparam("row_id"), table.c.payload == bindparam("old"))
        .values({name: bindparam(f"new_{name}") for name in DERIVED_COLUMNS})
    )
    done, last_id = 0, 0
    while True:
        with session_factory(engine)() as session:
            batch = session.execute(
                select(Submission.id, Submission.payload)
                .where(Submission.id > last_id, Submission.payload.is_not(None))
                .order_by(Submission.id)
                .limit(batch_size)
            ).all()
        if not batch:
            return done
        values = []
        for row_id, token in batch:
            derived = derived_columns(keyring.decrypt(token), keyring)
            values.append(
                {"row_id": row_id, "old": token}
                | {f"new_{name}": value for name, value in derived.items()}
            )
        with writer_session_factory(engine).begin() as session:
            session.execute(write, values)
        done += len(batch)
        last_id = batch[-1][0]
