"""Deciding that a submission is urgent: a crisis choice, or crisis words in what someone wrote."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from ..clinic import clinic


@cache
def _crisis_pattern() -> re.Pattern[str]:
    phrases = sorted(clinic()["crisis_phrases"], key=len, reverse=True)
    words = [r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", p)) for p in phrases]
    return re.compile(r"\b(?:" + "|".join(words) + r")", re.IGNORECASE)


def mentions_crisis(texts: Iterable[str]) -> bool:
    pattern = _crisis_pattern()
    return any(pattern.search(text.replace("\u2019", "'")) for text in texts if text)


def is_urgent(problems: Iterable[str], texts: Iterable[str]) -> bool:
    urgent_choices = set(clinic()["urgent_problems"])
    return bool(urgent_choices.intersection(problems)) or mentions_crisis(texts)
