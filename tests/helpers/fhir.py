"""FHIR resources checked the way a receiving system would: valid (fhir.resources, R4B models,
which match R4 for Questionnaire and QuestionnaireResponse) and consistent with our own
Questionnaire."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from intake_server.exports.fhir import questionnaire

RESPONSE_STATUSES = {"in-progress", "completed", "amended", "entered-in-error", "stopped"}


def validate_response(resource: dict[str, Any]) -> QuestionnaireResponse:
    """Valid FHIR, and consistent with our own Questionnaire: every linkId is a question, every
    choice one of its options, every reference resolves to a contained resource."""
    model = QuestionnaireResponse.model_validate(resource)
    assert resource["status"] in RESPONSE_STATUSES  # fhir.resources does not check this code
    kind = "consultation" if "consultation-request" in resource["questionnaire"] else "assessment"
    questions = {item["linkId"]: item for item in questionnaire(kind)["item"]}
    for item in resource["item"]:
        question = questions[item["linkId"]]
        if not question.get("repeats"):
            assert len(item["answer"]) == 1, item["linkId"]
        if question["type"] == "choice":
            options = {o["valueCoding"]["code"] for o in question["answerOption"]}
            assert {a["valueCoding"]["code"] for a in item["answer"]} <= options
    contained = {"#" + c["id"] for c in resource["contained"]}
    for field in ("subject", "author", "source"):
        assert resource[field]["reference"] in contained
    return model


def contained(resource: dict[str, Any], reference: str) -> dict[str, Any]:
    return next(c for c in resource["contained"] if "#" + c["id"] == reference)
