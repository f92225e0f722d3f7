"""Staff passwords: Argon2id hashes with current settings, and a policy in plain words."""

from __future__ import annotations

import hashlib

from intake_server.passwords import (
    HASHER,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from tests.helpers.staff import ADMIN, PASSWORD


def test_hashes_are_argon2id_with_current_settings() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert hash_password(PASSWORD) != hashed  # salted
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + " ")
    assert not verify_password("not a hash", PASSWORD)
    assert not needs_rehash(hashed)
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    assert verify_password(weak, PASSWORD) and needs_rehash(weak)
    assert HASHER.type.name == "ID"


def test_policy_refuses_short_common_and_email_like_passwords() -> None:
    assert password_problems(PASSWORD, ADMIN) == []
    long = "".join(hashlib.sha256(bytes([i])).hexdigest() for i in range(4))
    assert len(long) == 256 and password_problems(long, ADMIN) == []  # 256 are allowed
    assert "no more than 256" in password_problems(long + "q", ADMIN)[0]
    short = password_problems("Tr0ub4dor&3", ADMIN)
    assert len(short) == 1 and "at least 12 characters" in short[0]
    assert "list of passwords" in " ".join(password_problems("qwerty123456", ADMIN))
    assert "list of passwords" in " ".join(password_problems("1QAZ2WSX3EDC", ADMIN))
    assert "easy to guess" in " ".join(password_problems("Baseball2023", ADMIN))
    assert "easy to guess" in " ".join(password_problems("aaaaaaaaaaaaaaaaaaaa", ADMIN))
    own = password_problems("Lantern-ana-ORCHARD-91", "ana@clinic.example")
    assert any("email address" in p for p in own)
    assert any(
        "email address" in p
        for p in password_problems("orchard maria.lopez tidal", "Maria.Lopez@clinic.example")
    )
    for problems in (short, own):
        # Plain language: no jargon, no scores, full sentences.
        assert all(p[0].isupper() and p.endswith(".") and "zxcvbn" not in p for p in problems)
