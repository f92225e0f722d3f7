"""How the dashboard words what it shows: kinds, statuses, outcomes, contact details, times,
timeline events, audit entries, and the person's answers. Questions and choices are taken from
the form classes themselves, so what staff read is what the person was asked and chose, never a
raw stored value."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers

from ..clinic import clinic, clinic_zone
from ..intake.crisis import highlight
from ..intake.forms import FORMS, choice_labels, question_names, question_text
from ..intake.kinds import KINDS
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
# Each audit action as a sentence: {who} is the person, {ref} the submission's reference.
AUDIT_SENTENCES = {
    "account_created": "{who} created an account",
    "account_disabled": "{who} disabled an account",
    "password_reset": "{who} reset a password",
    "sign_in_password_ok": "{who} entered the right password",
    "sign_in_ok": "{who} signed in",
    "sign_in_failed": "{who} could not sign in",
    "sign_in_code_failed": "{who} entered a wrong or used code",
    "repeated_sign_in_failures": "{who} failed to sign in several times",
    "mfa_enrolled": "{who} set up an authenticator app",
    "sign_out": "{who} signed out",
    "session_revoked": "{who} ended someone's session",
    "session_expired": "{who}'s session ended",
    "viewed": "{who} viewed {ref}",
    "lookup_missed": "{who} looked up a reference that does not exist",
    "claimed": "{who} claimed {ref}",
    "status_changed": "{who} changed the status of {ref}",
    "reopened": "{who} reopened {ref}",
    "reassigned": "{who} reassigned {ref}",
    "note_added": "{who} added a note to {ref}",
    "urgency_changed": "{who} changed the urgency of {ref}",
    "assessment_link_created": "{who} made a personal assessment link for {ref}",
    "closed_as_duplicate": "{who} closed {ref} as a duplicate",
    "purged": "{who} removed the personal details of {ref}",
    "audit_viewed": "{who} read the audit trail",
    "export_queue": "{who} downloaded the queue",
    "export_call_list": "{who} downloaded the call list (with contact details)",
    "export_questionnaires": "{who} downloaded the questionnaires",
    "export_fhir": "{who} downloaded {ref} as FHIR",
}
# A piece of an answer, and whether it is crisis language staff should see first.
Piece = tuple[str, bool]
_OPTIONAL = re.compile(r"\s*\(optional\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Answer:
    """One answer as shown: the question, the text in pieces, and a link (tel:, mailto:) when
    the answer is a phone number or an email address."""

    question: str
    pieces: list[Piece]
    href: str | None = None


def kind_label(kind: str) -> str:
    return KINDS[kind].label


def contact_method_label(value: str | None) -> str:
    return choice_labels("consultation", "contact_method").get(value or "", "")


def best_time_label(value: str | None) -> str:
    return choice_labels("consultation", "best_time").get(value or "", "")


def staff_name(email: str | None) -> str:
    """What colleagues call someone, from their account's address: "ana@…" is "Ana",
    "intake.lead@…" is "Intake Lead". Nobody signed in is "Someone"."""
    if not email:
        return "Someone"
    words = re.split(r"[._+-]+", email.split("@", 1)[0])
    return " ".join(word.capitalize() for word in words if word) or email


# --- Times ----------------------------------------------------------------------------------


def duration(seconds: float) -> str:
    """A length of time in its largest whole unit: "3 days", "1 hour", "less than a minute"."""
    seconds = max(0, int(seconds))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "less than a minute"


def age(then: datetime, now: datetime) -> str:
    seconds = (now - then).total_seconds()
    return "just now" if seconds < 60 else f"{duration(seconds)} ago"


def waiting(status: str, due: datetime, updated_at: datetime, now: datetime) -> str:
    """How long it has waited on the clinic: against the first-call promise while nobody has
    taken it on, otherwise since the last change."""
    if status == "new":
        if now > due:
            return f"Overdue by {duration((now - due).total_seconds())}"
        return f"First call due in {duration((due - now).total_seconds())}"
    return f"Last change {age(updated_at, now)}"


def local_time(when: datetime, seconds: bool = False) -> str:
    """A time in the clinic's zone, as staff read a clock on the wall, with the zone named."""
    clock = "%-I:%M:%S %p" if seconds else "%-I:%M %p"
    return when.astimezone(clinic_zone()).strftime(f"%-d %b %Y, {clock} %Z")


def zone_note() -> str:
    """What every staff page says about its times."""
    return f"Times are the clinic's local time ({clinic_zone().key.replace('_', ' ')})."


# --- Contact details ------------------------------------------------------------------------


def phone_display(number: str) -> tuple[str, str | None]:
    """(the number as people write it here, its tel: link): "+13145550111" is "(314) 555-0111".
    A number that cannot be read is shown as stored, without a link."""
    # Numbers in the clinic's own country are shown as people there write them.
    region = clinic()["address"]["country"]
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return number, None
    if not phonenumbers.is_valid_number(parsed):
        return number, None
    home = parsed.country_code == phonenumbers.country_code_for_region(region)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(parsed, style), f"tel:{e164}"


# --- The person's answers -------------------------------------------------------------------


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


def answers(kind: str, payload: dict[str, Any] | None) -> list[Answer]:
    """The person's answers in the order the form asked them. In what they wrote in their own
    words, the pieces mark the crisis language that was found; phones and emails are links."""
    if not payload:
        return []
    shown = []
    for name in question_names(kind):
        value = payload.get(name)
        if value in (None, "", []):
            continue
        question = _OPTIONAL.sub("", question_text(kind, name))
        if name == "phone":
            text, href = phone_display(str(value))
            shown.append(Answer(question, [(text, False)], href))
            continue
        if name == "email":
            shown.append(Answer(question, [(str(value), False)], f"mailto:{value}"))
            continue
        text = answer_text(kind, name, value)
        found = crisis_language([text]) if name in FORMS[kind].free_text_fields else []
        shown.append(Answer(question, highlight(text, found)))
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


# --- What people did ------------------------------------------------------------------------


def event_text(event: dict[str, Any]) -> str:
    """A timeline event as a sentence after the person's name: "claimed it", "moved it to In
    progress", "closed it (Admitted)". A duplicate's reference is added by the page, as a link."""
    action = event["action"]
    if action == "urgency":
        return "marked it urgent" if event["urgent"] else "marked it not urgent"
    if action == "claimed":
        return "claimed it"
    if action == "reopened":
        return f"reopened it ({STATUS_LABELS[event['to_status']]})"
    if action == "duplicate":
        return "closed it as a duplicate of"
    if action == "status":
        if event["to_status"] == "closed":
            outcome = OUTCOME_LABELS.get(event["outcome"] or "")
            return f"closed it ({outcome})" if outcome else "closed it"
        return f"moved it to {STATUS_LABELS[event['to_status']]}"
    if action == "assigned":
        assignee = event.get("assignee")
        return f"gave it to {staff_name(assignee)}" if assignee else "left it for anyone to claim"
    if action == "note":
        return "added a note"
    if action == "link_created":
        return "made a personal assessment link"
    raise KeyError(f"no words for the timeline event {action!r}")


def audit_sentence(action: str, actor_email: str | None, reference: str | None) -> str:
    """An audit entry as a sentence: "Ana signed in", "Ana viewed Q4QG-MJXH"."""
    template = AUDIT_SENTENCES.get(action, "{who}: " + action.replace("_", " "))
    return template.format(who=staff_name(actor_email), ref=reference or "a submission")


def audit_details(detail: str) -> str:
    """An entry's details (counts and flags, never PHI) as "key: value" pairs."""
    try:
        found = json.loads(detail or "{}")
    except ValueError:
        return detail
    return "; ".join(
        f"{key.replace('_', ' ')}: {value}" for key, value in found.items() if value is not None
    )
