"""Control characters, found anywhere in a value (a payload, a FHIR resource, a page)."""

from __future__ import annotations

import re
from typing import Any

# Every C0 control, DEL and every C1 control.
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# What is left once tab and line breaks are allowed (answers written over several lines).
CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strings_in(value: Any) -> list[str]:
    """Every string in a nested structure of dicts and lists, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings_in(k), *strings_in(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings_in(v)]
    return []


def controls_in(value: Any, *, lines_allowed: bool = False) -> list[str]:
    """The strings in `value` that hold a control character (tab and line breaks allowed if
    asked)."""
    pattern = CONTROLS_BUT_LINES if lines_allowed else CONTROLS
    return [s for s in strings_in(value) if pattern.search(s)]
