"""The keyring: Fernet keys, encryption of payloads, and rotation to a new key."""

from __future__ import annotations

import pytest
from cryptography.fernet import InvalidToken

from intake_server.storage import Keyring, generate_key
from tests.helpers.storage import marked_answers as answers

KEY_A = generate_key()
KEY_B = generate_key()


def test_keyring_round_trips_and_rotates() -> None:
    old = Keyring([KEY_A])
    token = old.encrypt(answers())
    assert old.decrypt(token) == answers()

    rotated = Keyring([KEY_B, KEY_A]).rotate(token)
    assert Keyring([KEY_B]).decrypt(rotated) == answers()
    with pytest.raises(InvalidToken):
        old.decrypt(rotated)


def test_keyring_from_string_writes_with_the_first_key() -> None:
    keyring = Keyring.from_string(f" {KEY_B} , {KEY_A},")
    assert keyring.decrypt(Keyring([KEY_A]).encrypt({"a": 1})) == {"a": 1}
    assert Keyring([KEY_B]).decrypt(keyring.encrypt({"b": 2})) == {"b": 2}


@pytest.mark.parametrize(
    "bad",
    ["not-a-fernet-key-but-secret-text", KEY_A[:-4], "é" * 44],
    ids=["not-base64", "truncated", "not-ascii"],
)
def test_invalid_key_is_named_but_never_echoed(bad: str) -> None:
    with pytest.raises(ValueError, match="key 2 of 2 is not a valid Fernet key") as caught:
        Keyring([KEY_A, bad])
    assert bad not in str(caught.value)
    assert KEY_A not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize("text", ["", " , "])
def test_empty_keyring_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        Keyring.from_string(text)
