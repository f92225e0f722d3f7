"""Deciding that a submission is urgent: a crisis choice (marked `urgent: true` in clinic.yml),
or crisis language in what someone wrote, in English or Spanish (crisis.py, with the rules in
crisis_language/).

The form view, the re-shown form, the confirmation and the staff detail page all ask here, so
what the person sees and what staff see cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..clinic import clinic
from .crisis import Match, find
from .forms import FORMS


def crisis_language(texts: Iterable[str]) -> list[Match]:
    """Every place crisis language was found in these texts."""
    return [match for text in texts if text for match in find(text)]


def urgent_choices(problems: Iterable[str]) -> list[str]:
    """The crisis choices among what the person picked, in clinic.yml's order."""
    picked = set(problems)
    return [key for key in clinic()["urgent_problems"] if key in picked]


def is_urgent(problems: Iterable[str], texts: Iterable[str]) -> bool:
    return bool(urgent_choices(problems)) or bool(crisis_language(texts))


def free_text(kind: str, payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, text) for each answer of a stored submission written in the person's own words."""
    found = []
    for name in FORMS[kind].free_text_fields:
        value = payload.get(name)
        for text in value if isinstance(value, list) else [value]:
            if text:
                found.append((name, str(text)))
    return found


def stored_reasons(kind: str, payload: dict[str, Any] | None) -> tuple[list[str], list[Match]]:
    """Why a stored submission reads as urgent: the crisis choices picked, and the crisis
    language found (by today's rules), for staff to see next to the flag."""
    if not payload:
        return [], []
    return (
        urgent_choices(payload.get("problems") or []),
        crisis_language(text for _, text in free_text(kind, payload)),
    )
