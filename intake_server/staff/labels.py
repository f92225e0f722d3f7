"""How the dashboard words what it shows: kinds, statuses, outcomes, timeline events, times, and
the person's answers. Questions and choices are taken from the form classes themselves, so what
staff read is what the person was asked and chose, never a raw stored value."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..clinic import clinic
from ..intake.crisis import highlight
from ..intake.forms import FORMS, choice_labels, question_names, question_text
from ..intake.kinds import KINDS
from ..intake.languages import LANGUAGE_NAMES as LANGUAGE_NAMES
from ..intake.urgency import crisis_language, stored_reasons

STATUS_LABELS = {
    "new": "New",
    "in_progress": "In progress",
    "contacted": "Contacted",
    "evaluation_scheduled": "Evaluation scheduled",
    "closed": "Closed",
}
OUTCOME_LABELS = {
    "admitted": "Admitted",
    "referred": "Referred elsewhere",
    "not_a_fit": "Not a fit",
    "no_response": "No response",
    "duplicate": "Duplicate",
    "spam": "Spam",
}
EVENT_LABELS = {
    "claimed": "claimed it",
    "status": "changed the status",
    "reopened": "reopened it",
    "assigned": "reassigned it",
    "note": "added a note",
    "link_created": "created a personal assessment link",
}
# A piece of an answer, and whether it is crisis language staff should see first.
Piece = tuple[str, bool]
_OPTIONAL = re.compile(r"\s*\(optional\)\s*$", re.IGNORECASE)


def kind_label(kind: str) -> str:
    return KINDS[kind].label


def age(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def local_time(when: datetime) -> str:
    """A time in the clinic's zone, as staff read a clock on the wall."""
    local = when.astimezone(ZoneInfo(clinic()["timezone"]))
    return local.strftime("%-d %b %Y, %H:%M %Z")


def answer_text(kind: str, name: str, value: Any) -> str:
    """One stored answer as staff should read it: choices by their labels, lists one a line."""
    labels = choice_labels(kind, name)
    values = value if isinstance(value, list) else [value]
    shown = [
        "Yes" if v is True else labels.get(str(v), str(v)) if labels else str(v) for v in values
    ]
    if isinstance(value, list) and not labels:
        return "\n".join(f"{i}. {v}" for i, v in enumerate(shown, 1))
    return ", ".join(shown)


def answers(kind: str, payload: dict[str, Any] | None) -> list[tuple[str, list[Piece]]]:
    """The person's answers as (question, pieces) in the order the form asked them. In what
    they wrote in their own words, the pieces mark the crisis language that was found."""
    if not payload:
        return []
    shown = []
    for name in question_names(kind):
        if payload.get(name) in (None, "", []):
            continue
        text = answer_text(kind, name, payload[name])
        found = crisis_language([text]) if name in FORMS[kind].free_text_fields else []
        shown.append((_OPTIONAL.sub("", question_text(kind, name)), highlight(text, found)))
    return shown


def urgency_reasons(kind: str, payload: dict[str, Any] | None) -> list[str]:
    """Why a submission reads as urgent, for the flag on its page: the crisis choices picked
    and the words that were found, each once."""
    choices, found = stored_reasons(kind, payload)
    problems = choice_labels(kind, "problems") if choices else {}
    reasons = [f"Chose \u201c{problems.get(key, key)}\u201d" for key in choices]
    for label, text in dict.fromkeys((m.label, m.text) for m in found):
        reasons.append(f"{label}: \u201c{text}\u201d")
    return reasons


def event_text(event: dict[str, Any]) -> str:
    """What someone did, as the rest of a sentence after their name."""
    if event["action"] == "urgency":
        return "marked it urgent" if event["urgent"] else "marked it not urgent"
    return EVENT_LABELS.get(event["action"], event["action"])
