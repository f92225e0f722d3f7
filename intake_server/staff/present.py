"""How the dashboard words and shows things: labels, ages, overdue marks, answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..clinic import clinic

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
KIND_LABELS = {"consultation": "Consultation request", "assessment": "Personal assessment"}
EVENT_LABELS = {
    "claimed": "claimed it",
    "status": "changed the status",
    "reopened": "reopened it",
    "assigned": "reassigned it",
    "note": "added a note",
    "link_created": "created a personal assessment link",
}
ANSWER_LABELS = {
    "for_whom": "Asking for",
    "requester_name": "Name of the person asking",
    "relationship": "Relationship",
    "person_knows": "Does the person know?",
    "person_first_name": "The person's first name",
    "full_name": "Full name",
    "date_of_birth": "Date of birth",
    "phone": "Phone",
    "email": "Email",
    "contact_method": "Contact by",
    "best_time": "Best time",
    "insurance": "Insurance",
    "message": "Message",
    "heard_about": "Heard about us from",
    "consent": "Agreed to be contacted",
    "goals": "Goals",
    "problems": "Struggling with",
    "problem_other": "Something else",
    "strengths": "Strengths",
    "barriers": "Barriers",
}
# Answers picked from a list; anything else is the person's own words, shown as typed.
CHOICE_KEYS = {
    "for_whom",
    "person_knows",
    "contact_method",
    "best_time",
    "insurance",
    "heard_about",
}
VALUE_LABELS = {
    "self": "Themself",
    "loved_one": "Someone they care about",
    "yes": "Yes",
    "no": "No",
    "not_sure": "Not sure",
    "call": "Phone call",
    "text": "Text message",
    "any": "Any time",
    "morning": "Morning",
    "afternoon": "Afternoon",
    "evening": "Early evening",
    "other": "Other",
    "search": "An internet search",
    "doctor": "A doctor or therapist",
    "insurer": "Their insurance company",
    "friend": "A friend or family member",
    "social": "Social media",
    "self_pay": "Self-pay",
    "medicare_medicaid": "Medicare or Medicaid",
}


def age(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def response_due(received_at: datetime, business_days: int) -> datetime:
    """The end of the business day `business_days` working days after receipt, in clinic time."""
    zone = ZoneInfo(clinic()["timezone"])
    day = received_at.astimezone(zone)
    remaining = business_days
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day.replace(hour=23, minute=59, second=59, microsecond=0)


def is_overdue(status: str, received_at: datetime, now: datetime, business_days: int) -> bool:
    return status == "new" and now > response_due(received_at, business_days)


def answers(payload: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The person's answers as (label, text) in form order, for the detail page."""
    if not payload:
        return []
    problems = {p["key"]: p["label"] for p in clinic()["problems"]}
    shown = []
    for key, label in ANSWER_LABELS.items():
        value = payload.get(key)
        if value in (None, "", []):
            continue
        if key == "problems":
            text = ", ".join(problems.get(v, "Something else") for v in value)
        elif isinstance(value, list):
            text = "\n".join(f"{i}. {v}" for i, v in enumerate(value, 1))
        elif value is True:
            text = "Yes"
        elif key in CHOICE_KEYS:
            text = VALUE_LABELS.get(str(value), str(value))
        else:
            text = str(value)
        shown.append((label, text))
    return shown
