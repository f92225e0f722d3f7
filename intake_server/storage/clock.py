"""Time, injected one way: every store takes a `clock` when it is made, and asks it for "now".

Production passes `utc_now`; a test passes a clock it moves by hand, instead of waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
