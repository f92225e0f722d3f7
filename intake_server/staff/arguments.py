"""The query arguments of the dashboard's lists (the queue, the audit trail), read strictly.

Numbers are ASCII digits within bounds ("²" is a digit to str.isdigit, not to int; a page of
10^30 overflows the database). Links are built from an allow-list of filter names, so nothing else
in a URL (`endpoint`, `_method`, `_anchor`...) ever reaches url_for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from flask import request

from ..intake.text import without_controls
from ..storage import QueueKey

# Far past any real list, and well inside every database's integers.
MAX_PAGE = 100_000
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")
# A place in the queue's order, as a page link carries it: urgent (1 or 0), the time received in
# microseconds since 1970 (UTC; 17 digits reach the year 5000), the row's id.
_KEY = re.compile(r"([01])\.([0-9]{1,17})\.([0-9]{1,10})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def whole_number(text: str | None, *, maximum: int) -> int | None:
    """`text` as a whole number from 1 to `maximum`, or None if it is anything else."""
    if text is None or not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number <= maximum and number >= 1 else None


def page_number() -> int:
    """?page as a page number; anything else is the first page."""
    return whole_number(request.args.get("page"), maximum=MAX_PAGE) or 1


def filter_args(names: Iterable[str]) -> dict[str, str]:
    """The filters among `names` that this request set, for the page's links and its store."""
    found = {name: without_controls(request.args.get(name, "")).strip() for name in names}
    return {name: value for name, value in found.items() if value}


def key_text(key: QueueKey | None) -> str | None:
    """A queue key as a page link carries it (see queue_key)."""
    if key is None:
        return None
    micros = (key.received_at - _EPOCH) // timedelta(microseconds=1)
    return f"{int(key.urgent)}.{micros}.{key.id}"


def queue_key(name: str) -> QueueKey | None:
    """?after or ?before as a place in the queue's order, or None (the first page) if it is
    anything but what key_text writes, within bounds."""
    found = _KEY.fullmatch(request.args.get(name, ""))
    if found is None:
        return None
    key_id = whole_number(found[3], maximum=MAX_ID)
    if key_id is None:
        return None
    return QueueKey(found[1] == "1", _EPOCH + timedelta(microseconds=int(found[2])), key_id)
