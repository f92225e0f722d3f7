"""Field encryption for submissions, with key rotation.

Everything a person sends is stored only as a Fernet token, so a copied database file, a backup or a
stray log line never shows who asked for help. Keys rotate without downtime: the first key encrypts,
every key decrypts, and `rotation.reencrypt_all` moves every encrypted value onto the first key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# What the blind-index key is derived for: a key of its own, never the encryption key itself.
BLIND_INDEX_INFO = b"intake-server blind index v1"


def generate_key() -> str:
    """A new random key, in the text form a keyring (and an environment variable) holds."""
    return Fernet.generate_key().decode("ascii")


class Keyring:
    """The service's encryption keys: the first one writes, all of them read."""

    def __init__(self, keys: Sequence[str]) -> None:
        if isinstance(keys, str):
            raise TypeError("Keyring takes a list of keys; use Keyring.from_string for text")
        if not keys:
            raise ValueError("the keyring is empty: at least one encryption key is needed")
        self._fernet = MultiFernet(
            [_fernet(key, position, len(keys)) for position, key in enumerate(keys, 1)]
        )
        # Each encryption key has its own blind-index key, derived from it with HKDF, so the
        # index rotates with the keyring and needs no setting of its own.
        self._index_key = _derive_index_key(keys[0])

    @classmethod
    def from_string(cls, text: str) -> Keyring:
        """Read keys from one comma-separated setting, newest first, so rotation is one edit."""
        return cls([key.strip() for key in text.split(",") if key.strip()])

    def encrypt(self, data: dict[str, Any]) -> bytes:
        """JSON-encode and encrypt under the first key."""
        return self._fernet.encrypt(json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def decrypt(self, token: bytes) -> dict[str, Any]:
        """Decrypt with whichever key wrote the token; cryptography's InvalidToken if none did."""
        data: dict[str, Any] = json.loads(self._fernet.decrypt(token))
        return data

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt under the first key, so an old key can be retired."""
        return self._fernet.rotate(token)

    def blind_index(self, value: str) -> str:
        """A keyed hash (HMAC-SHA256, hex) of an already normalised value under the first key's
        index key: equal values match, and without the key the hash says nothing about them."""
        return hmac.new(self._index_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _derive_index_key(key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=BLIND_INDEX_INFO)
    return hkdf.derive(base64.urlsafe_b64decode(key))


def _fernet(key: str, position: int, total: int) -> Fernet:
    """One key, with an error that says which key is wrong without repeating any of it."""
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        # `from None`: the original error could carry the key text into a log.
        raise ValueError(
            f"encryption key {position} of {total} is not a valid Fernet key "
            "(it must be 32 bytes in URL-safe base64; make one with generate_key())"
        ) from None
