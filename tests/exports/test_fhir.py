"""Submissions as FHIR R4 QuestionnaireResponses and the forms as Questionnaires: valid, and
matching what the forms ask and store."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from intake_server.clinic import clinic
from intake_server.exports.fhir import (
    QUESTIONS,
    PurgedError,
    questionnaire,
    questionnaire_response,
    questionnaires_bundle,
)
from intake_server.intake.forms import AssessmentForm, ConsultationForm
from intake_server.storage import ExportReader, SubmissionStore, utc_now
from tests.helpers.fhir import contained, validate_response
from tests.helpers.forms import ASSESSMENT, CONSULTATION, CONSULTATION_FOR_SELF, form_payload
from tests.helpers.storage import KEYRING, change, row_of, store_submission
from tests.helpers.text import controls_in

PERSONAL_LINK = {
    k: v for k, v in ASSESSMENT.items() if k not in ("full_name", "date_of_birth", "phone")
}


@pytest.fixture
def intake(engine: sa.Engine) -> SubmissionStore:
    return SubmissionStore(engine, KEYRING)


def submission(engine: sa.Engine, reference: str) -> dict[str, Any]:
    found = ExportReader(engine, KEYRING).submission(reference)
    assert found is not None
    return found


def test_questionnaires_are_valid_fhir_and_match_the_forms() -> None:
    bundle = questionnaires_bundle()
    Bundle.model_validate(bundle)
    for entry, kind in zip(bundle["entry"], ("consultation", "assessment"), strict=True):
        resource = entry["resource"]
        Questionnaire.model_validate(resource)
        assert resource == questionnaire(kind) and entry["fullUrl"] == resource["url"]
        assert resource["status"] == "active" and resource["publisher"] == clinic()["name"]
    link_ids = {kind: [q["linkId"] for q in questionnaire(kind)["item"]] for kind in QUESTIONS}
    # Stable linkIds: exactly the keys the forms store.
    assert set(link_ids["consultation"]) == set(form_payload(ConsultationForm, CONSULTATION))
    assert set(link_ids["assessment"]) == set(form_payload(AssessmentForm, ASSESSMENT))
    problems = next(q for q in questionnaire("assessment")["item"] if q["linkId"] == "problems")
    codes = [o["valueCoding"]["code"] for o in problems["answerOption"]]
    assert codes == [p["key"] for p in clinic()["problems"]] + ["other"]
    assert problems["repeats"] is True and problems["required"] is True
    insurance = next(q for q in questionnaire("consultation")["item"] if q["linkId"] == "insurance")
    plans = {o["valueCoding"]["code"] for o in insurance["answerOption"]}
    assert set(clinic()["insurance"]["in_network"]) <= plans and "medicare_medicaid" in plans
    relationship = next(
        q for q in questionnaire("consultation")["item"] if q["linkId"] == "relationship"
    )
    assert relationship["enableWhen"][0]["question"] == "for_whom"
    assert relationship["enableWhen"][0]["answerCoding"]["code"] == "loved_one"
    age_group = next(q for q in questionnaire("consultation")["item"] if q["linkId"] == "age_group")
    assert age_group["required"] is True
    assert [o["valueCoding"]["display"] for o in age_group["answerOption"]] == [
        "Under 18",
        "18 or over",
    ]
    # Each question is worded as the form asked it (the repeated goals field included).
    goals = next(q for q in questionnaire("assessment")["item"] if q["linkId"] == "goals")
    assert goals["text"] == "Your goals"


def test_a_family_members_request_has_a_related_person_as_author(engine, intake) -> None:
    reference = store_submission(
        intake, "consultation", form_payload(ConsultationForm, CONSULTATION)
    )
    resource = questionnaire_response(submission(engine, reference))
    validate_response(resource)
    assert resource["id"] == reference and resource["identifier"]["value"] == reference
    assert resource["author"] == resource["source"] == {"reference": "#author"}
    author = contained(resource, "#author")
    assert author["resourceType"] == "RelatedPerson"
    assert author["relationship"] == [{"text": "mother"}]
    assert author["name"] == [{"text": "Maria Example"}]
    assert author["patient"] == {"reference": "#patient"}
    assert contained(resource, "#patient")["name"] == [{"given": ["Sam"]}]
    answers = {i["linkId"]: i["answer"] for i in resource["item"]}
    assert answers["for_whom"][0]["valueCoding"]["code"] == "loved_one"
    assert answers["age_group"][0]["valueCoding"] == {
        "system": answers["age_group"][0]["valueCoding"]["system"],
        "code": "18_or_over",
        "display": "18 or over",
    }
    assert answers["consent"] == [{"valueBoolean": True}]
    assert answers["phone"] == [{"valueString": "+13145550142"}]
    # The clinic's own time with its offset, in whole seconds (America/Chicago in clinic.yml).
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[56]:00", resource["authored"])


def test_a_request_for_oneself_has_the_patient_as_author(engine, intake) -> None:
    reference = store_submission(
        intake, "consultation", form_payload(ConsultationForm, CONSULTATION_FOR_SELF), urgent=True
    )
    resource = questionnaire_response(submission(engine, reference))
    validate_response(resource)
    assert (
        resource["author"] == resource["source"] == resource["subject"] == {"reference": "#patient"}
    )
    assert [c["resourceType"] for c in resource["contained"]] == ["Patient"]
    patient = contained(resource, "#patient")
    assert patient["name"] == [{"text": "Pat Example"}]
    assert {"system": "phone", "value": "+13145550142"} in patient["telecom"]
    assert {i["linkId"] for i in resource["item"]}.isdisjoint({"relationship", "person_knows"})
    assert resource["meta"]["tag"][0]["code"] == "urgent"


def test_the_response_carries_the_language_of_the_form(engine, intake) -> None:
    payload = form_payload(ConsultationForm, CONSULTATION)
    spanish = store_submission(intake, "consultation", payload, language="es")
    english = store_submission(intake, "consultation", payload)
    resource = questionnaire_response(submission(engine, spanish))
    validate_response(resource)
    assert resource["language"] == "es"
    assert questionnaire_response(submission(engine, english))["language"] == "en"


def test_an_assessment_is_valid_fhir_with_the_person_as_author(engine, intake) -> None:
    payload = form_payload(
        AssessmentForm, {**ASSESSMENT, "problems": ["anxiety", "other"], "problem_other": "Noise"}
    )
    reference = store_submission(intake, "assessment", payload)
    resource = questionnaire_response(submission(engine, reference))
    validate_response(resource)
    patient = contained(resource, "#patient")
    assert patient["name"] == [{"text": "Sam Example"}] and patient["birthDate"] == "1990-03-14"
    answers = {i["linkId"]: i["answer"] for i in resource["item"]}
    assert answers["goals"] == [
        {"valueString": "Sleep through the night"},
        {"valueString": "Go back to work"},
    ]
    assert [a["valueCoding"]["code"] for a in answers["problems"]] == ["anxiety", "other"]
    assert answers["problems"][0]["valueCoding"]["display"] == "Anxiety"
    assert answers["date_of_birth"] == [{"valueDate": "1990-03-14"}]
    assert answers["problem_other"] == [{"valueString": "Noise"}]


def test_a_personal_link_assessment_names_the_person_from_its_consultation(engine, intake) -> None:
    consultation = store_submission(
        intake, "consultation", form_payload(ConsultationForm, CONSULTATION)
    )
    payload = form_payload(AssessmentForm, PERSONAL_LINK, personal_link=True)
    payload["personal_link"] = "secret-link-token"  # whatever else a payload holds stays out
    reference = store_submission(intake, "assessment", payload)
    change(engine, reference, consultation_id=row_of(engine, consultation).id)
    resource = questionnaire_response(submission(engine, reference))
    validate_response(resource)
    assert contained(resource, "#patient")["name"] == [{"given": ["Sam"]}]
    assert "secret-link-token" not in json.dumps(resource)
    assert "full_name" not in {i["linkId"] for i in resource["item"]}


def test_a_purged_submission_has_no_fhir(engine, intake) -> None:
    reference = store_submission(
        intake, "consultation", form_payload(ConsultationForm, CONSULTATION_FOR_SELF)
    )
    change(engine, reference, payload=None, purged_at=utc_now())
    with pytest.raises(PurgedError):
        questionnaire_response(submission(engine, reference))


def test_control_characters_stored_earlier_never_reach_fhir(engine, intake) -> None:
    """Forms drop control characters now; a payload stored before that still exports valid FHIR
    strings (which forbid them, except tab and line breaks)."""
    payload = {
        **form_payload(ConsultationForm, CONSULTATION),
        "requester_name": "Maria\x00 Ex\x1bample",
        "relationship": "mother\x07",
        "person_first_name": "Sam\x7f\x9b",
        "message": "First line\r\nsecond\tline\x0c\x00",
    }
    reference = store_submission(intake, "consultation", payload)
    resource = questionnaire_response(submission(engine, reference))
    assert controls_in(resource, lines_allowed=True) == []
    validate_response(resource)
    related = contained(resource, "#author")
    assert related["name"] == [{"text": "Maria Example"}]
    message = next(i for i in resource["item"] if i["linkId"] == "message")
    assert message["answer"] == [{"valueString": "First line\r\nsecond\tline"}]
