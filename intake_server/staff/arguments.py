"""The query arguments of the dashboard's lists (the queue, the audit trail), read strictly.

Numbers are ASCII digits within bounds ("²" is a digit to str.isdigit, not to int; a page of
10^30 overflows the database). Links are built from an allow-list of filter names, so nothing else
in a URL (`endpoint`, `_method`, `_anchor`...) ever reaches url_for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import request

from ..intake.text import without_controls

# Far past any real list, and well inside every database's integers.
MAX_PAGE = 100_000
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


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
