"""Reference codes: what a person quotes on the phone to find their submission.

They are read aloud and copied by hand, so the alphabet leaves out characters that are easy to
confuse (0 O, 1 I L, U V), and reading one back forgives case, spacing and dashes.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
LENGTH = 8

# Only look-alikes with a single sensible reading are mapped; O/0 and I/1/L could be several things,
# and since they never appear in a code, an input holding them is simply not a reference.
_LOOK_ALIKES = str.maketrans({"U": "V"})
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")


def new_reference() -> str:
    """A fresh code such as ``7KXM-Q4TZ``: 30^8 (about 6.6e11) possibilities, from `secrets`."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{code[:4]}-{code[4:]}"


def normalise_reference(text: str) -> str | None:
    """The canonical ``XXXX-XXXX`` form of what someone typed, or None if it cannot be a code."""
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    compact = compact.translate(_LOOK_ALIKES)
    if len(compact) != LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return f"{compact[:4]}-{compact[4:]}"
