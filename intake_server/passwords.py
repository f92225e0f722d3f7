"""Staff passwords: argon2id hashes and a policy that refuses guessable choices.

The policy follows NIST SP 800-63B and OWASP ASVS 2.1: length over composition rules (12 to 256
characters, spaces and any Unicode allowed, never truncated), and a refusal of passwords that
appear in breach lists or that zxcvbn rates easy to guess. Reasons are written for the person
choosing the password, not for a developer.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_SCORE = 3
# The shortest local part worth looking for: "al" would refuse half the dictionary.
MIN_LOCAL_PART = 3

# argon2-cffi's defaults are RFC 9106's low-memory profile for argon2id (64 MiB, 3 passes, 4 lanes),
# above OWASP's minimum. Raising them later is safe: check_needs_rehash upgrades at sign-in.
HASHER = PasswordHasher()

# zxcvbn keeps the user inputs of the current call in a module-level dictionary; two threads
# checking at once would see each other's inputs.
_ZXCVBN_LOCK = threading.Lock()


def normalise(password: str) -> str:
    """NFKC, so the same password typed on two keyboards (composed or not) hashes the same."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """An argon2id hash in PHC string format, with its own random salt."""
    return HASHER.hash(normalise(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True only for the right password; a damaged or foreign hash is a plain no."""
    try:
        return HASHER.verify(password_hash, normalise(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made with weaker settings than the current ones."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("a password nobody has: only its timing matters")


def verify_dummy(password: str) -> None:
    """Spend the time a real check takes, so an unknown email answers no faster than a known one."""
    verify_password(_dummy_hash(HASHER), password)


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, email: str = "") -> list[str]:
    """Why a new password is refused, in plain language; an empty list means it is fine."""
    password = normalise(password)
    if len(password) < MIN_LENGTH:
        return [
            f"Use at least {MIN_LENGTH} characters. A few unrelated words together is an easy "
            "way to get there."
        ]
    if len(password) > MAX_LENGTH:
        return [f"Use no more than {MAX_LENGTH} characters."]
    problems = []
    lowered = password.lower()
    local_part = email.strip().lower().partition("@")[0]
    if len(local_part) >= MIN_LOCAL_PART and local_part in lowered:
        problems.append("Do not use your email address, or part of it, in your password.")
    if lowered in _common_passwords():
        problems.append(
            "This password is on a list of passwords that many people use, so it is one of the "
            "first an attacker would try. Choose another."
        )
        return problems
    with _ZXCVBN_LOCK:
        strength = zxcvbn(password, user_inputs=_user_inputs(email), max_length=MAX_LENGTH)
    if strength["score"] < MIN_SCORE:
        advice = strength["feedback"].get("warning") or ""
        problems.append(
            " ".join(
                part
                for part in (
                    "This password would be easy to guess.",
                    advice,
                    "Try a few unrelated words, or let a password manager make one.",
                )
                if part
            )
        )
    return problems


def _user_inputs(email: str) -> list[str]:
    """The email and its pieces, which zxcvbn then treats as known words."""
    email = email.strip().lower()
    if not email:
        return []
    local_part, _, domain = email.partition("@")
    pieces = [email, local_part, domain, *domain.split(".")]
    for separator in ".-_+":
        pieces.extend(local_part.split(separator))
    return sorted({piece for piece in pieces if len(piece) >= MIN_LOCAL_PART})
