"""Exports and retention: CSV safety and columns, FHIR validity (fhir.resources, R4B models, which
match R4 for Questionnaire and QuestionnaireResponse), purging PHI, and the admin views."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import make_app
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from form_client import ASSESSMENT, CONSULTATION, hidden_fields

from intake_server.clinic import clinic
from intake_server.exports import (
    CONTACT_COLUMNS,
    QUESTIONS,
    QUEUE_COLUMNS,
    PurgedError,
    questionnaire,
    questionnaire_response,
    questionnaires_bundle,
    queue_csv,
    safe_cell,
)
from intake_server.forms import AssessmentForm, ConsultationForm
from intake_server.storage import Keyring, SubmissionStore, generate_key
from intake_server.storage.audit import Actor, AuditLog
from intake_server.storage.database import session_factory
from intake_server.storage.exports import ExportReader
from intake_server.storage.models import (
    AuditEntry,
    StaffUser,
    Submission,
    SubmissionEvent,
    utc_now,
)
from intake_server.storage.retention import purge_closed

KEYRING = Keyring([generate_key()])
RESPONSE_STATUSES = {"in-progress", "completed", "amended", "entered-in-error", "stopped"}

FAMILY = {
    **CONSULTATION,
    "requester_name": '=HYPERLINK("http://evil.example","x")',
    "email": "maria@example.org",
}
SELF = {
    **CONSULTATION,
    "for_whom": "self",
    "requester_name": "Pat Example",
    "relationship": "",
    "person_first_name": "",
    "person_knows": "",
}
PERSONAL_LINK = {
    k: v for k, v in ASSESSMENT.items() if k not in ("full_name", "date_of_birth", "phone")
}


# --- Helpers ---------------------------------------------------------------------------------


def form_payload(form_class: type, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """The payload the real form builds from these answers, so shapes cannot drift."""
    from flask import Flask

    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", WTF_CSRF_ENABLED=False)
    with app.test_request_context(method="POST", data={**data, "form_id": "f" * 24}):
        form = form_class(**kwargs)
        assert form.validate(), form.errors
        return form.payload()


def store(engine: sa.Engine, kind: str, payload: dict[str, Any], urgent: bool = False) -> str:
    intake = SubmissionStore(engine, KEYRING)
    key = secrets.token_urlsafe(16)
    return intake.add(kind, payload, urgent=urgent, idempotency_key=key).reference


def change(engine: sa.Engine, reference: str, **values: Any) -> None:
    with session_factory(engine).begin() as session:
        session.execute(
            sa.update(Submission).where(Submission.reference == reference).values(**values)
        )


def row_of(engine: sa.Engine, reference: str) -> Submission:
    with session_factory(engine)() as session:
        return session.scalar(sa.select(Submission).where(Submission.reference == reference))


def staff_member(engine: sa.Engine, email: str) -> int:
    now = utc_now()
    with session_factory(engine).begin() as session:
        user = StaffUser(
            email=email, role="staff", password_hash="x", created_at=now, password_changed_at=now
        )
        session.add(user)
        session.flush()
        return user.id


def parse_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # so Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


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


# --- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+13145550142", "'+13145550142"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("Pat Example", "Pat Example"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
    ],
)
def test_cells_that_a_spreadsheet_would_evaluate_are_neutralised(value: Any, cell: str) -> None:
    assert safe_cell(value) == cell


def test_queue_csv_holds_metadata_only(engine) -> None:
    family = store(engine, "consultation", form_payload(ConsultationForm, FAMILY))
    assessment = store(engine, "assessment", form_payload(AssessmentForm, ASSESSMENT), urgent=True)
    ana = staff_member(engine, "ana@clinic.example")
    change(engine, family, assignee_id=ana, status="closed", outcome="admitted")
    text, count = queue_csv(ExportReader(engine, KEYRING).queue_rows())
    header, *rows = parse_csv(text)
    assert count == 2 and header == list(QUEUE_COLUMNS)
    by_reference = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    first = by_reference[family]
    assert (first["kind"], first["status"], first["outcome"]) == (
        "consultation",
        "closed",
        "admitted",
    )
    assert first["urgent"] == "no" and first["assignee_email"] == "ana@clinic.example"
    assert datetime.fromisoformat(first["received_at"]).tzinfo is not None
    second = by_reference[assessment]
    assert second["urgent"] == "yes" and second["assignee_email"] == "" and second["outcome"] == ""
    for secret in ("HYPERLINK", "555", "maria@", "Sam", "Sleep through", "mother"):
        assert secret not in text
    # Every cell is quoted (OWASP): a separator in a value can never start a new cell.
    assert text.splitlines()[1].startswith('"')


def test_call_list_adds_contacts_neutralised(engine) -> None:
    family = store(engine, "consultation", form_payload(ConsultationForm, FAMILY))
    own = store(engine, "consultation", form_payload(ConsultationForm, SELF))
    assessment = store(engine, "assessment", form_payload(AssessmentForm, ASSESSMENT))
    purged = store(engine, "consultation", form_payload(ConsultationForm, SELF))
    change(engine, purged, payload=None, purged_at=utc_now())
    text, count = queue_csv(ExportReader(engine, KEYRING).queue_rows(contacts=True), contacts=True)
    header, *rows = parse_csv(text)
    assert count == 4 and header == list(QUEUE_COLUMNS + CONTACT_COLUMNS)
    contacts = {row[0]: row[-3:] for row in rows}
    assert contacts[family] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'+13145550142",
        "maria@example.org",
    ]
    assert contacts[own] == ["Pat Example", "'+13145550142", "maria@example.org"]
    assert contacts[assessment] == ["Sam Example", "'+13145550199", ""]
    assert contacts[purged] == ["", "", ""]
    # Contact details only: nothing else the person wrote.
    assert "not left his room" not in text and "Sleep through" not in text


# --- FHIR ------------------------------------------------------------------------------------


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


def test_a_family_members_request_has_a_related_person_as_author(engine) -> None:
    reference = store(engine, "consultation", form_payload(ConsultationForm, CONSULTATION))
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
    assert answers["consent"] == [{"valueBoolean": True}]
    assert answers["phone"] == [{"valueString": "+13145550142"}]


def test_a_request_for_oneself_has_the_patient_as_author(engine) -> None:
    reference = store(engine, "consultation", form_payload(ConsultationForm, SELF), urgent=True)
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


def test_an_assessment_is_valid_fhir_with_the_person_as_author(engine) -> None:
    payload = form_payload(
        AssessmentForm, {**ASSESSMENT, "problems": ["anxiety", "other"], "problem_other": "Noise"}
    )
    reference = store(engine, "assessment", payload)
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


def test_a_personal_link_assessment_names_the_person_from_its_consultation(engine) -> None:
    consultation = store(engine, "consultation", form_payload(ConsultationForm, CONSULTATION))
    payload = form_payload(AssessmentForm, PERSONAL_LINK, personal_link=True)
    payload["personal_link"] = "secret-link-token"  # whatever else a payload holds stays out
    reference = store(engine, "assessment", payload)
    change(engine, reference, consultation_id=row_of(engine, consultation).id)
    resource = questionnaire_response(submission(engine, reference))
    validate_response(resource)
    assert contained(resource, "#patient")["name"] == [{"given": ["Sam"]}]
    assert "secret-link-token" not in json.dumps(resource)
    assert "full_name" not in {i["linkId"] for i in resource["item"]}


def test_a_purged_submission_has_no_fhir(engine) -> None:
    reference = store(engine, "consultation", form_payload(ConsultationForm, SELF))
    change(engine, reference, payload=None, purged_at=utc_now())
    with pytest.raises(PurgedError):
        questionnaire_response(submission(engine, reference))


# --- Retention -------------------------------------------------------------------------------


def close(engine: sa.Engine, reference: str, days_ago: int, note: str) -> None:
    closed_at = utc_now() - timedelta(days=days_ago)
    change(engine, reference, status="closed", outcome="not_a_fit", closed_at=closed_at)
    with session_factory(engine).begin() as session:
        session.add(
            SubmissionEvent(
                submission_id=row_of(engine, reference).id,
                at=closed_at,
                action="note",
                note=KEYRING.encrypt({"text": note}),
            )
        )


def audit_entries(engine: sa.Engine, action: str) -> list[AuditEntry]:
    with session_factory(engine)() as session:
        return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def notes(engine: sa.Engine, reference: str) -> list[bytes | None]:
    with session_factory(engine)() as session:
        return list(
            session.scalars(
                sa.select(SubmissionEvent.note)
                .join(Submission, Submission.id == SubmissionEvent.submission_id)
                .where(Submission.reference == reference)
            )
        )


@pytest.fixture
def retention_case(engine) -> dict[str, str]:
    """One submission closed long ago, one closed recently, one still open, and audit entries."""
    audit = AuditLog(engine)
    audit.record("signed_in", Actor(id=None, email="ana@clinic.example", client_addr="127.0.0.1"))
    old = store(engine, "consultation", form_payload(ConsultationForm, CONSULTATION))
    recent = store(engine, "assessment", form_payload(AssessmentForm, ASSESSMENT))
    still_open = store(engine, "consultation", form_payload(ConsultationForm, SELF))
    close(engine, old, days_ago=400, note="Called Maria, Sam declined")
    close(engine, recent, days_ago=10, note="Referred Sam elsewhere")
    audit.record(
        "status_changed",
        Actor(id=None, email="ana@clinic.example", client_addr=None),
        reference=old,
    )
    return {"old": old, "recent": recent, "open": still_open}


def test_dry_run_changes_nothing(engine, retention_case) -> None:
    before = row_of(engine, retention_case["old"])
    result = purge_closed(engine, older_than=timedelta(days=365), dry_run=True)
    assert result.dry_run and result.references == [retention_case["old"]]
    after = row_of(engine, retention_case["old"])
    assert after.payload == before.payload and after.purged_at is None
    assert notes(engine, retention_case["old"])[0] is not None
    assert audit_entries(engine, "purged") == []


def test_purge_removes_phi_keeps_the_row_and_audits_each(engine, retention_case) -> None:
    old = retention_case["old"]
    before = row_of(engine, old)
    result = purge_closed(engine, older_than=timedelta(days=365))
    assert result.references == [old] and not result.dry_run
    after = row_of(engine, old)
    assert after.payload is None and after.purged_at is not None
    kept = ("reference", "kind", "urgent", "status", "outcome", "received_at", "closed_at")
    assert all(getattr(after, name) == getattr(before, name) for name in kept)
    assert notes(engine, old) == [None]  # the timeline entry stays, its text does not
    for other in (retention_case["recent"], retention_case["open"]):
        assert row_of(engine, other).payload is not None and row_of(engine, other).purged_at is None
    assert notes(engine, retention_case["recent"])[0] is not None
    [entry] = audit_entries(engine, "purged")
    assert (entry.reference, entry.actor_id, entry.actor_email) == (old, None, "system:purge")
    assert json.loads(entry.detail) == {"older_than_days": 365}
    total = len(AuditLog(engine).search(limit=1000).entries)
    assert AuditLog(engine).verify() == (total, None)
    # Run again: nothing left to purge, nothing recorded twice.
    assert purge_closed(engine, older_than=timedelta(days=365)).references == []
    assert len(audit_entries(engine, "purged")) == 1
    # A shorter period reaches the recently closed one; the open one is never touched.
    assert purge_closed(engine, older_than=timedelta(days=7)).references == [
        retention_case["recent"]
    ]
    assert row_of(engine, retention_case["open"]).payload is not None
    assert AuditLog(engine).verify() == (total + 1, None)


def test_purge_command(app) -> None:
    engine = app.extensions["db_engine"]
    keyring = app.extensions["keyring"]
    intake = app.extensions["intake_store"]
    reference = intake.add(
        "consultation",
        form_payload(ConsultationForm, SELF),
        urgent=False,
        idempotency_key=secrets.token_urlsafe(16),
    ).reference
    change(
        engine,
        reference,
        status="closed",
        outcome="no_response",
        closed_at=utc_now() - timedelta(days=400),
    )
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would purge 1 submissions closed more than 365 days ago" in dry.output
    assert reference in dry.output and row_of(engine, reference).payload is not None
    assert runner.invoke(args=["purge", "--older-than-days", "500"]).output.startswith("purged 0")
    assert runner.invoke(args=["purge", "--older-than-days", "0"]).exit_code != 0
    done = runner.invoke(args=["purge"])
    assert done.exit_code == 0 and done.output.startswith("purged 1 ")
    assert row_of(engine, reference).payload is None
    assert "Pat Example" not in done.output
    assert ExportReader(engine, keyring).submission(reference)["payload"] is None
    assert app.extensions["audit"].verify()[1] is None


def test_outbox_commands(app) -> None:
    runner = app.test_cli_runner()
    status = runner.invoke(args=["outbox", "status"])
    assert status.exit_code == 0 and status.output.startswith("pending 0 (due now 0), given up 0")
    # No mail due: nothing to send, so no SMTP server is needed.
    sent = runner.invoke(args=["outbox", "send"])
    assert sent.exit_code == 0 and sent.output.strip() == "sent 0, failed 0, pending 0"
    assert runner.invoke(args=["outbox", "retry"]).output.startswith("0 messages")


# --- The admin views -------------------------------------------------------------------------

ADMIN, PASSWORD = "admin@clinic.example", "a long test passphrase 42"
VIEWS = [
    "/staff/admin/exports",
    "/staff/admin/exports/queue.csv?contacts=0",
    "/staff/admin/exports/queue.csv?contacts=1",
    "/staff/admin/exports/questionnaires.json",
]


@pytest.fixture
def admin_app(site_dir: Path, sqlite_url: str):
    # MFA is optional only in development, which the test app is; sign-in itself is tested
    # with its own code in the staff tests.
    return make_app(site_dir, sqlite_url, STAFF_MFA_OPTIONAL=True)


def sign_in(app: Any, email: str, role: str) -> Any:
    from intake_server.passwords import hash_password
    from intake_server.storage.staff import StaffStore

    store = StaffStore(app.extensions["db_engine"], app.extensions["keyring"])
    store.create_account(email, role, hash_password(PASSWORD), Actor(None, "test", None))
    client = app.test_client()
    page = client.get("/staff/sign-in")
    token = (
        hidden_fields(page.get_data(as_text=True)).get("csrf_token")
        or re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))[1]
    )
    response = client.post(
        "/staff/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return client


def test_exports_are_for_signed_in_admins_only(admin_app) -> None:
    anonymous = admin_app.test_client()
    staff = sign_in(admin_app, "staff@clinic.example", "staff")
    for path in VIEWS:
        assert anonymous.get(path).status_code == 303
        assert staff.get(path).status_code == 403
    assert audit_entries(admin_app.extensions["db_engine"], "export_call_list") == []


def test_exports_page_labels_the_phi_download(admin_app) -> None:
    client = sign_in(admin_app, ADMIN, "admin")
    response = client.get("/staff/admin/exports")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Contains PHI" in html
    for endpoint in ("queue.csv?contacts=0", "queue.csv?contacts=1", "questionnaires.json"):
        assert f"/staff/admin/exports/{endpoint}" in html


def test_downloads_are_attachments_not_cached_and_audited(admin_app) -> None:
    engine = admin_app.extensions["db_engine"]
    reference = store_in(admin_app, "consultation", form_payload(ConsultationForm, CONSULTATION))
    client = sign_in(admin_app, ADMIN, "admin")
    downloads = {
        "/staff/admin/exports/queue.csv?contacts=0": ("export_queue", "text/csv"),
        "/staff/admin/exports/queue.csv?contacts=1": ("export_call_list", "text/csv"),
        "/staff/admin/exports/questionnaires.json": (
            "export_questionnaires",
            "application/fhir+json",
        ),
        f"/staff/admin/submissions/{reference}/fhir.json": ("export_fhir", "application/fhir+json"),
    }
    bodies = {}
    for path, (action, mimetype) in downloads.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype == mimetype
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        [entry] = audit_entries(engine, action)
        assert entry.actor_email == ADMIN
        assert "Maria" not in entry.detail and "555" not in entry.detail
        bodies[path] = response.get_data(as_text=True)
    assert "Maria Example" not in bodies["/staff/admin/exports/queue.csv?contacts=0"]
    assert "Maria Example" in bodies["/staff/admin/exports/queue.csv?contacts=1"]
    assert (
        "call-list-PHI"
        in client.get("/staff/admin/exports/queue.csv?contacts=1").headers["Content-Disposition"]
    )
    assert json.loads(audit_entries(engine, "export_call_list")[0].detail) == {"rows": 1}
    assert audit_entries(engine, "export_fhir")[0].reference == reference
    Bundle.model_validate_json(bodies["/staff/admin/exports/questionnaires.json"])
    validate_response(json.loads(bodies[f"/staff/admin/submissions/{reference}/fhir.json"]))
    assert client.get("/staff/admin/exports/queue.csv?contacts=yes").status_code == 400
    assert client.get("/staff/admin/submissions/AAAA-AAAA/fhir.json").status_code == 404
    change(engine, reference, payload=None, purged_at=utc_now())
    assert client.get(f"/staff/admin/submissions/{reference}/fhir.json").status_code == 410
    assert admin_app.extensions["audit"].verify()[1] is None


def store_in(app: Any, kind: str, payload: dict[str, Any]) -> str:
    return (
        app.extensions["intake_store"]
        .add(kind, payload, urgent=False, idempotency_key=secrets.token_urlsafe(16))
        .reference
    )
