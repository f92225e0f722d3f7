"""Submissions as FHIR R4 QuestionnaireResponses, and the forms as Questionnaires.

Pure functions over what the storage's ExportReader reads, so they are tested without a web
request. Questions use the form field names as linkIds, and the texts and choices of the forms
themselves (insurance plans and problems from clinic.yml), so the Questionnaire cannot drift from
what people were asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..clinic import clinic, clinic_isoformat
from ..intake.forms import LONG_MAX, NAME_MAX, SHORT_MAX, choice_labels, question_text
from ..intake.kinds import KINDS
from ..intake.text import without_controls

# 2: the consultation asks the age group of the person who needs care.
QUESTIONNAIRE_VERSION = "2"
QUESTIONNAIRE_IDS = {"consultation": "consultation-request", "assessment": "personal-assessment"}
QUESTIONNAIRE_NAMES = {"consultation": "ConsultationRequest", "assessment": "PersonalAssessment"}


class PurgedError(Exception):
    """The submission's answers were removed under the retention policy; only metadata remains."""


@dataclass(frozen=True)
class Question:
    link_id: str
    type: str  # FHIR item type: string, text, choice, boolean, date
    required: bool = False
    repeats: bool = False
    max_length: int | None = None
    # Asked only when the question `link_id` was answered with code `code`.
    enable_when: tuple[str, str] | None = None


def _follow_up(link_id: str, max_length: int, enable_when: tuple[str, str]) -> Question:
    """A required short answer asked only after one choice: the questions about someone else,
    and the "other" problem. One constructor, so they cannot drift apart."""
    return Question(
        link_id, "string", required=True, max_length=max_length, enable_when=enable_when
    )


FOR_SOMEONE_ELSE = ("for_whom", "loved_one")
QUESTIONS: dict[str, tuple[Question, ...]] = {
    "consultation": (
        Question("for_whom", "choice", required=True),
        # Submissions sent before the form asked it have no answer here.
        Question("age_group", "choice", required=True),
        Question("requester_name", "string", required=True, max_length=NAME_MAX),
        _follow_up("relationship", SHORT_MAX, FOR_SOMEONE_ELSE),
        Question("person_knows", "choice", required=True, enable_when=FOR_SOMEONE_ELSE),
        _follow_up("person_first_name", NAME_MAX, FOR_SOMEONE_ELSE),
        Question("phone", "string", required=True, max_length=40),
        Question("email", "string", max_length=254),
        Question("contact_method", "choice", required=True),
        Question("best_time", "choice", required=True),
        Question("insurance", "choice", required=True),
        Question("message", "text", max_length=LONG_MAX),
        Question("heard_about", "choice"),
        Question("consent", "boolean", required=True),
    ),
    # full_name, date_of_birth and phone are not asked when the form is opened through a
    # personal link (the consultation says who it is for), so they cannot be required here.
    "assessment": (
        Question("full_name", "string", max_length=NAME_MAX),
        Question("date_of_birth", "date"),
        Question("phone", "string", max_length=40),
        Question("goals", "string", required=True, repeats=True, max_length=SHORT_MAX),
        Question("problems", "choice", required=True, repeats=True),
        _follow_up("problem_other", SHORT_MAX, ("problems", "other")),
        Question("strengths", "text", max_length=LONG_MAX),
        Question("barriers", "text", max_length=LONG_MAX),
    ),
}


def fhir_base() -> str:
    """Where this clinic's canonical FHIR URLs live (they name things; nothing is served there)."""
    return clinic()["site_url"].rstrip("/") + "/fhir"


def questionnaire_url(kind: str) -> str:
    return f"{fhir_base()}/Questionnaire/{QUESTIONNAIRE_IDS[kind]}"


def code_system(link_id: str) -> str:
    return f"{fhir_base()}/CodeSystem/{link_id.replace('_', '-')}"


def _coding(kind: str, question: Question, code: str) -> dict[str, str]:
    display = choice_labels(kind, question.link_id).get(code, code)
    return {"system": code_system(question.link_id), "code": code, "display": display}


def _questionnaire_item(kind: str, question: Question) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": question.link_id,
        "text": question_text(kind, question.link_id),
        "type": question.type,
        "required": question.required,
    }
    if question.repeats:
        item["repeats"] = True
    if question.max_length:
        item["maxLength"] = question.max_length
    if question.enable_when:
        asked, code = question.enable_when
        asked_question = next(q for q in QUESTIONS[kind] if q.link_id == asked)
        item["enableWhen"] = [
            {
                "question": asked,
                "operator": "=",
                "answerCoding": _coding(kind, asked_question, code),
            }
        ]
    if question.type == "choice":
        item["answerOption"] = [
            {"valueCoding": {"system": code_system(question.link_id), "code": c, "display": d}}
            for c, d in choice_labels(kind, question.link_id).items()
        ]
    return item


def questionnaire(kind: str) -> dict[str, Any]:
    """The FHIR R4 Questionnaire for one form."""
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_IDS[kind],
        "url": questionnaire_url(kind),
        "version": QUESTIONNAIRE_VERSION,
        "name": QUESTIONNAIRE_NAMES[kind],
        "title": KINDS[kind].formal_title,
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": clinic()["name"],
        "item": [_questionnaire_item(kind, q) for q in QUESTIONS[kind]],
    }


def questionnaires_bundle() -> dict[str, Any]:
    """Both Questionnaires in one collection Bundle, for one download."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": questionnaire_url(kind), "resource": questionnaire(kind)}
            for kind in QUESTIONNAIRE_IDS
        ],
    }


def _telecom(phone: str | None, email: str | None) -> list[dict[str, str]]:
    telecom = [{"system": "phone", "value": phone}] if phone else []
    return telecom + ([{"system": "email", "value": email}] if email else [])


def _patient(name: dict[str, Any] | None, telecom: list[dict[str, str]], **extra: Any) -> dict:
    patient: dict[str, Any] = {"resourceType": "Patient", "id": "patient"}
    if name:
        patient["name"] = [name]
    if telecom:
        patient["telecom"] = telecom
    return patient | {k: v for k, v in extra.items() if v}


def _consultation_people(payload: dict[str, Any]) -> tuple[dict, dict | None]:
    """(Patient, RelatedPerson or None). Asked for oneself, the requester is the patient;
    asked by someone else, the requester is a RelatedPerson and the patient has a first name."""
    contact = _telecom(payload.get("phone"), payload.get("email"))
    if payload.get("for_whom") != "loved_one":
        return _patient({"text": payload.get("requester_name")}, contact), None
    first = payload.get("person_first_name")
    patient = _patient({"given": [first]} if first else None, [])
    related: dict[str, Any] = {
        "resourceType": "RelatedPerson",
        "id": "author",
        "patient": {"reference": "#patient"},
        "relationship": [{"text": payload.get("relationship") or "unknown"}],
        "name": [{"text": payload.get("requester_name")}],
    }
    if contact:
        related["telecom"] = contact
    return patient, related


def _assessment_patient(payload: dict[str, Any], consultation: dict[str, Any] | None) -> dict:
    """The person themselves; through a personal link, who the linked consultation named."""
    if payload.get("full_name"):
        return _patient(
            {"text": payload["full_name"]},
            _telecom(payload.get("phone"), None),
            birthDate=payload.get("date_of_birth"),
        )
    if consultation and consultation.get("payload"):
        return _consultation_people(consultation["payload"])[0]
    return _patient(None, [])


def _answers(kind: str, question: Question, value: Any) -> list[dict[str, Any]]:
    values = value if isinstance(value, list) else [value]
    if question.type == "choice":
        return [{"valueCoding": _coding(kind, question, str(v))} for v in values]
    key = {"boolean": "valueBoolean", "date": "valueDate"}.get(question.type, "valueString")
    return [{key: v} for v in values]


def _plain(value: Any) -> Any:
    """Answers without the control characters FHIR strings forbid (forms drop them now; what was
    stored before may still hold them). Tab and line breaks are allowed and stay."""
    if isinstance(value, str):
        return without_controls(value, multiline=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def questionnaire_response(submission: dict[str, Any]) -> dict[str, Any]:
    """One submission (as ExportReader.submission returns it) as a FHIR R4
    QuestionnaireResponse. Only the form's questions are exported: anything else the payload
    holds (a personal link's token) stays out. Raises PurgedError for a purged submission."""
    if submission.get("payload") is None:
        raise PurgedError(submission["reference"])
    submission = _plain(submission)
    payload = submission["payload"]
    kind = submission["kind"]
    if kind == "consultation":
        patient, related = _consultation_people(payload)
    else:
        patient, related = _assessment_patient(payload, submission.get("consultation")), None
    author = {"reference": "#author" if related else "#patient"}
    items = []
    for question in QUESTIONS[kind]:
        value = payload.get(question.link_id)
        if value in (None, "", []):
            continue
        items.append(
            {
                "linkId": question.link_id,
                "text": question_text(kind, question.link_id),
                "answer": _answers(kind, question, value),
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": submission["reference"],
        # The language of the form the person filled in (BCP-47), so the answers in their own
        # words are read as Spanish; the questions' texts stay the Questionnaire's own (English).
        "language": submission.get("language") or "en",
        "contained": [patient, *([related] if related else [])],
        "identifier": {
            "system": f"{fhir_base()}/intake-reference",
            "value": submission["reference"],
        },
        "questionnaire": f"{questionnaire_url(kind)}|{QUESTIONNAIRE_VERSION}",
        "status": "completed",
        "subject": {"reference": "#patient"},
        # The clinic's own time, with its offset, in whole seconds (like every export).
        "authored": clinic_isoformat(submission["received_at"]),
        "author": author,
        "source": author,
        "item": items,
    }
    if submission.get("urgent"):
        resource["meta"] = {
            "tag": [
                {
                    "system": f"{fhir_base()}/CodeSystem/triage",
                    "code": "urgent",
                    "display": "Urgent",
                }
            ]
        }
    return resource
