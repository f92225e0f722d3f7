"""Reference codes: unique, unambiguous, and forgiving of how a person types them back."""

from __future__ import annotations

import re

import pytest

from intake_server.storage import new_reference, normalise_reference

REFERENCE_PATTERN = re.compile(r"^[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}$")


def test_references_are_unique_and_unambiguous() -> None:
    references = {new_reference() for _ in range(1000)}
    assert len(references) == 1000
    assert all(REFERENCE_PATTERN.match(reference) for reference in references)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7kxm-q4tz", "7KXM-Q4TZ"),
        ("7KXMQ4TZ", "7KXM-Q4TZ"),
        (" 7kx m q4tz ", "7KXM-Q4TZ"),
        ("7KXM\u2013Q4TZ", "7KXM-Q4TZ"),  # an en dash, as phones autocorrect it
        # Full-width characters, as some phone keyboards type them.
        ("".join(chr(ord(ch) + 0xFEE0) for ch in "7KXM-Q4TZ"), "7KXM-Q4TZ"),
        ("7KXM-Q4TU", "7KXM-Q4TV"),  # U is never issued; it is a misread V
        ("7KXM-Q4T", None),
        ("7KXM-Q4TZZ", None),
        ("7KXM-Q40Z", None),  # 0, O, 1, I and L are never issued: no single reading
        ("7KXM-QOTZ", None),
        ("7KXM-Q1TZ", None),
        ("", None),
    ],
)
def test_normalise_reference(typed: str, expected: str | None) -> None:
    assert normalise_reference(typed) == expected
