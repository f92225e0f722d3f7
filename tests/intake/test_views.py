"""The public forms through the whole app: pages, validation, storage, confirmation, and the
refusals that keep every answer typed."""

from __future__ import annotations

import re
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from intake_server.services import services
from testkit.postgres import fresh_schema
from tests.helpers.app import app_config, make_app
from tests.helpers.forms import (
    ASSESSMENT,
    CONSULTATION,
    error_summary,
    hidden_fields,
    reference_in,
    send_form,
    submit,
)
from tests.helpers.staff import staff_member
from tests.helpers.storage import count_submissions, failing_commits

REFERENCE = re.compile(r"^[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}$")


# --- Pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/consultation/", "/assessment/"])
def test_form_pages_wear_the_site_theme_with_the_markdown_intro(
    client, site_dir: Path, path: str
) -> None:
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert (
        'class="crisis-bar"' in html
        and 'data-md-component="header"' in html
        and "md-footer" in html
    )
    built = (site_dir / path.strip("/") / "index.html").read_text()
    intro_h1 = re.search(r"<h1[^>]*>.*?</h1>", built, re.DOTALL)[0]
    assert re.sub(r'href="[^"]*"', "", intro_h1) in re.sub(r'href="[^"]*"', "", html)
    assert "This form is not for emergencies" in html
    assert 'name="csrf_token"' in html and 'name="website"' in html
    assert "Please call us" not in html  # the static fallback is replaced by the real form
    # Links in the shell were made absolute, so they work at any URL the service uses.
    assert 'href="../' not in html and 'src="../' not in html


def test_form_labels_and_native_constraints_mirror_the_server(client) -> None:
    html = client.get("/consultation/").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="requester_name"[^>]*maxlength="80"[^>]*required', html)
    assert re.search(r'<textarea[^>]*id="message"[^>]*maxlength="2000"', html)
    assert '<label class="intake-label" for="phone">Phone number</label>' in html
    medicare = "Medicare, Medicaid, or Medicare and Medicaid supplement plans"
    for insurer in ("Aetna", "Beacon", "Cigna", medicare, "Another insurance plan"):
        assert f">{insurer}</option>" in html


# --- The consultation request ------------------------------------------------------------


def test_the_confirmation_names_the_promised_day_skipping_thanksgiving(app, client, clock) -> None:
    clock.now = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)  # Wed 25 Nov, 8:30 pm in St. Louis
    submit(client, "/consultation/", CONSULTATION)
    html = client.get("/received/").get_data(as_text=True)
    assert "within one business day (by the end of Friday, November 27)" in html


def test_consultation_is_stored_encrypted_and_confirmed(app, client) -> None:
    response = submit(client, "/consultation/", CONSULTATION)
    assert response.status_code == 303 and response.headers["Location"].endswith("/received/")
    page = client.get("/received/")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    reference = reference_in(html)
    assert reference and REFERENCE.match(reference)
    assert "within one business day" in html and "314-388-2225" in html
    row = services(app).submissions.get(reference)
    assert row["kind"] == "consultation" and row["status"] == "new" and row["urgent"] is False
    assert row["payload"]["phone"] == "+13145550142"
    assert row["payload"]["email"] == "maria@example.org"
    assert row["payload"]["person_first_name"] == "Sam"


def test_refresh_and_double_submit_make_no_duplicate(app, client) -> None:
    page = client.get("/consultation/")
    data = {**hidden_fields(page.get_data(as_text=True)), **CONSULTATION}
    first = client.post("/consultation/", data=data)
    second = client.post("/consultation/", data=data)  # the same form sent twice
    assert first.status_code == second.status_code == 303
    one = reference_in(client.get("/received/").get_data(as_text=True))
    again = reference_in(client.get("/received/").get_data(as_text=True))  # a refresh
    assert one == again
    assert count_submissions(services(app).engine) == 1


def test_another_browser_sending_the_same_form_id_never_sees_the_first_receipt(app) -> None:
    first, second = app.test_client(), app.test_client()
    tokens = hidden_fields(first.get("/consultation/").text)
    assert first.post("/consultation/", data={**tokens, **CONSULTATION}).status_code == 303
    mine = reference_in(first.get("/received/").text)
    # Someone who learned the form id (a shared computer's history, a proxy log) sends it with
    # a session of their own: they get a submission of their own, not the first one's receipt.
    theirs = {**hidden_fields(second.get("/consultation/").text), "form_id": tokens["form_id"]}
    assert second.post("/consultation/", data={**theirs, **CONSULTATION}).status_code == 303
    other = reference_in(second.get("/received/").text)
    assert other and other != mine
    assert count_submissions(services(app).engine) == 2


def test_invalid_consultation_keeps_everything_and_explains(app, client) -> None:
    data = {**CONSULTATION, "phone": "12", "email": "not-an-email", "consent": ""}
    response = submit(client, "/consultation/", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Error: " in html
    summary = error_summary(html)
    assert 'role="alert"' in summary
    assert '<a href="#phone">Enter a phone number we can call' in summary
    assert '<a href="#email">Enter an email address like name@example.com' in summary
    assert '<a href="#consent">Tick the box' in summary
    assert re.search(r'id="phone"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="phone"', html)
    assert 'aria-describedby="phone-hint phone-error"' in html
    assert 'value="Maria Example"' in html and "He has not left his room much" in html
    assert 'value="not-an-email"' in html
    assert count_submissions(services(app).engine) == 0


def test_loved_one_details_are_required_only_for_someone_else(app, client) -> None:
    data = {**CONSULTATION, "relationship": "", "person_first_name": "", "person_knows": ""}
    html = submit(client, "/consultation/", data).get_data(as_text=True)
    for message in ("Enter how you know", "Enter the first name", "Choose whether they know"):
        assert message in html
    myself = {**data, "for_whom": "self"}
    assert submit(client, "/consultation/", myself).status_code == 303
    reference = reference_in(client.get("/received/").get_data(as_text=True))
    assert services(app).submissions.get(reference)["payload"]["relationship"] is None


def test_email_contact_needs_an_email(client) -> None:
    html = submit(
        client, "/consultation/", {**CONSULTATION, "contact_method": "email", "email": ""}
    )
    assert "Add an email address" in html.get_data(as_text=True)


def test_medicare_is_taken_with_a_kind_note(app, client) -> None:
    assert (
        submit(
            client, "/consultation/", {**CONSULTATION, "insurance": "medicare_medicaid"}
        ).status_code
        == 303
    )
    html = client.get("/received/").get_data(as_text=True)
    assert (
        "one of the plans we cannot accept: Medicare, Medicaid, or Medicare and Medicaid "
        "supplement plans. We will still get in touch and help you find care" in html
    )
    form = client.get("/consultation/").get_data(as_text=True)
    assert "We cannot accept Medicare, Medicaid, or Medicare and Medicaid supplement plans." in form


def test_the_plans_we_cannot_take_follow_clinic_yml(app, monkeypatch, tmp_path: Path) -> None:
    """The note's plans are clinic.yml's `insurance.not_accepted` (and its `_es` twin), never
    words typed into the form: a clinic that starts taking Medicare changes one line."""
    from intake_server.clinic import DEFAULT_FACTS, clinic
    from intake_server.intake.forms import medicare_note

    facts = yaml.safe_load(DEFAULT_FACTS.read_text(encoding="utf-8"))
    facts["insurance"] |= {
        "not_accepted": ["Medicaid"],
        "not_accepted_es": ["Medicaid (MO HealthNet)"],
    }
    changed = tmp_path / "clinic.yml"
    changed.write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CLINIC_FACTS", str(changed))
    clinic.cache_clear()
    try:
        with app.test_request_context("/consultation/"):
            assert str(medicare_note()).startswith("We cannot accept Medicaid. If that is")
        with app.test_request_context("/es/consultation/"):
            assert str(medicare_note()).startswith("No podemos aceptar Medicaid (MO HealthNet). Si")
    finally:
        clinic.cache_clear()


def test_crisis_words_mark_the_request_urgent_and_show_988(app, client) -> None:
    data = {
        **CONSULTATION,
        "message": "She said she wants to end her life... I think she is suicidal",
    }
    assert submit(client, "/consultation/", data).status_code == 303
    html = client.get("/received/").get_data(as_text=True)
    assert services(app).submissions.get(reference_in(html))["urgent"] is True
    assert "Please do not wait for our call" in html and 'href="tel:988"' in html


def test_a_calm_request_shows_no_crisis_box(client) -> None:
    submit(client, "/consultation/", CONSULTATION)
    assert "Please do not wait for our call" not in client.get("/received/").get_data(as_text=True)


# --- The age group and the confirmation's wording ----------------------------------------


def test_the_age_question_is_required_and_kindly_explained(app, client) -> None:
    html = client.get("/consultation/").get_data(as_text=True)
    group = re.search(r'<fieldset[^>]*id="age_group".*?</fieldset>', html, re.DOTALL)[0]
    assert "How old is the person who needs care?" in group
    assert 'aria-describedby="age_group-hint"' in group
    assert "Our program is for adults aged 18 and over" in group
    assert len(re.findall(r'<input(?=[^>]*type="radio")(?=[^>]*required)', group)) == 2
    missing = submit(client, "/consultation/", {**CONSULTATION, "age_group": ""})
    page = missing.get_data(as_text=True)
    assert missing.status_code == 422
    assert '<a href="#age_group-0">Choose whether the person who needs care is under 18' in page
    assert 'value="Maria Example"' in page
    assert submit(client, "/consultation/", {**CONSULTATION, "age_group": "12"}).status_code == 422
    assert count_submissions(services(app).engine) == 0


def test_an_adult_confirmation_has_no_note_about_younger_people(app, client) -> None:
    send_form(client, "/consultation/", CONSULTATION)
    html = client.get("/received/").get_data(as_text=True)
    assert "under 18" not in html and "made for young people" not in html


def test_someone_under_the_minimum_age_is_stored_and_told_what_to_do(app, client) -> None:
    reference = send_form(client, "/consultation/", {**CONSULTATION, "age_group": "under_18"})
    assert services(app).submissions.get(reference)["payload"]["age_group"] == "under_18"
    html = client.get("/received/").get_data(as_text=True)
    note = re.search(r'<p class="intake-younger">(.*?)</p>', html, re.DOTALL)[1]
    assert "under 18" in note and "made for young people" in note
    assert "doctor or school counselor" in note


@pytest.mark.parametrize(
    ("method", "promise"),
    [("call", "We will call you"), ("text", "We will text you"), ("email", "We will email you")],
)
def test_the_confirmation_follows_the_way_to_reply_chosen(
    client, method: str, promise: str
) -> None:
    send_form(client, "/consultation/", {**CONSULTATION, "contact_method": method})
    html = client.get("/received/").get_data(as_text=True)
    assert f"{promise} within one business day (by the end of " in html
    assert "We answer Monday to Friday, 8:30 am to 5:00 pm." in html
    assert "a staff member will call you" not in html.lower()
    others = {"We will call you", "We will text you", "We will email you"} - {promise}
    assert not any(other in html for other in others)


def test_the_confirmation_shows_no_consultation_button(client) -> None:
    send_form(client, "/consultation/", CONSULTATION)
    html = client.get("/received/").get_data(as_text=True)
    assert "clinic-bar__cta" not in html
    assert not re.search(r"<a[^>]*>\s*Request a free consultation", html)
    assert 'class="clinic-bar__call"' in html  # the phone stays in the bar
    # Pages people read before sending still carry the button.
    assert "clinic-bar__cta" in client.get("/faq/").get_data(as_text=True)


def test_too_long_answers_are_refused_kindly(app, client) -> None:
    html = submit(client, "/consultation/", {**CONSULTATION, "message": "a" * 2001}).get_data(
        as_text=True
    )
    assert (
        "Keep this under 2000 characters" in html and count_submissions(services(app).engine) == 0
    )


# --- The personal assessment ---------------------------------------------------------------


def test_assessment_is_stored_with_goals_and_problems(app, client) -> None:
    assert submit(client, "/assessment/", ASSESSMENT).status_code == 303
    html = client.get("/received/").get_data(as_text=True)
    assert "We have your answers" in html
    row = services(app).submissions.get(reference_in(html))
    assert row["kind"] == "assessment" and row["urgent"] is False
    assert row["payload"]["goals"] == ["Sleep through the night", "Go back to work"]
    assert row["payload"]["problems"] == ["depression", "anxiety"]
    assert row["payload"]["date_of_birth"] == "1990-03-14"


def test_assessment_page_says_there_are_no_wrong_answers(client) -> None:
    html = client.get("/assessment/").get_data(as_text=True)
    assert "There are no right or wrong answers" in html
    assert html.count('name="goals-') == 5
    assert "Suicidal thoughts" in html and "Something else" in html


def test_assessment_needs_a_goal_and_a_problem(client) -> None:
    data = {
        **ASSESSMENT,
        "goals-0": "",
        "goals-1": "",
        "problems": [],
        "date_of_birth": "2099-01-01",
    }
    response = submit(client, "/assessment/", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<a href="#goals-0">Write at least one goal' in html
    assert '<a href="#problems-0">Choose at least one' in html
    assert "Enter a date of birth in the past" in html
    other = submit(client, "/assessment/", {**ASSESSMENT, "problems": ["other"]})
    assert "Tell us in a few words what else" in other.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["1899-12-31", "05/02/1850", "01/01/0190"])
def test_a_birth_year_before_1900_is_named_as_such(client, typed: str) -> None:
    response = submit(client, "/assessment/", {**ASSESSMENT, "date_of_birth": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Check the year: enter a date of birth in 1900 or later" in html
    assert "in the past" not in html
    assert f'value="{typed}"' in html or typed in html  # what was typed stays


def test_the_first_day_of_1900_is_a_date_of_birth(client) -> None:
    data = {**ASSESSMENT, "date_of_birth": "1900-01-01"}
    assert submit(client, "/assessment/", data).status_code == 303


def test_us_style_birth_dates_are_understood(app, client) -> None:
    assert (
        submit(client, "/assessment/", {**ASSESSMENT, "date_of_birth": "03/14/1990"}).status_code
        == 303
    )


def test_choosing_suicidal_thoughts_marks_the_assessment_urgent(app, client) -> None:
    data = {**ASSESSMENT, "problems": ["depression", "suicidal_thoughts"]}
    assert submit(client, "/assessment/", data).status_code == 303
    html = client.get("/received/").get_data(as_text=True)
    assert services(app).submissions.get(reference_in(html))["urgent"] is True
    assert "Please do not wait for our call" in html


def issue_link(app, consultation_reference: str) -> str:
    actor = staff_member(services(app).engine, "intake@clinic.example")
    return services(app).work.create_assessment_link(
        consultation_reference, actor, timedelta(days=7)
    )


def test_a_personal_link_replaces_the_identity_questions(app, client) -> None:
    assert submit(client, "/consultation/", CONSULTATION).status_code == 303
    consultation = reference_in(client.get("/received/").get_data(as_text=True))
    token = issue_link(app, consultation)
    html = client.get(f"/assessment/?link={token}").get_data(as_text=True)
    assert 'name="full_name"' not in html and 'name="date_of_birth"' not in html
    data = {k: v for k, v in ASSESSMENT.items() if k not in ("full_name", "date_of_birth", "phone")}
    response = client.post(f"/assessment/?link={token}", data={**hidden_fields(html), **data})
    assert response.status_code == 303
    assessment = reference_in(client.get("/received/").get_data(as_text=True))
    linked = services(app).work.detail(consultation)["linked"]
    assert [s["reference"] for s in linked] == [assessment]
    stored = services(app).submissions.get(assessment)
    assert token not in str(stored["payload"])  # the token itself is not kept

    # Used once: the link now gives the ordinary form with a kind explanation.
    again = client.get(f"/assessment/?link={token}").get_data(as_text=True)
    assert "This personal link cannot be used again" in again and 'name="full_name"' in again


def test_a_link_used_up_while_filling_in_keeps_the_answers(app, client) -> None:
    assert submit(client, "/consultation/", CONSULTATION).status_code == 303
    token = issue_link(app, reference_in(client.get("/received/").get_data(as_text=True)))
    html = client.get(f"/assessment/?link={token}").get_data(as_text=True)
    data = {k: v for k, v in ASSESSMENT.items() if k not in ("full_name", "date_of_birth", "phone")}
    assert (
        client.post(f"/assessment/?link={token}", data={**hidden_fields(html), **data}).status_code
        == 303
    )
    # A second tab with the same link sends its answers after the first: nothing is lost.
    second = client.post(
        f"/assessment/?link={token}", data={**hidden_fields(html), **data, "form_id": "z" * 32}
    )
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "This personal link cannot be used again" in page and "Sleep through the night" in page
    assert 'name="full_name"' in page


def test_a_made_up_link_is_not_trusted(client) -> None:
    html = client.get("/assessment/?link=made-up").get_data(as_text=True)
    assert "This personal link cannot be used again" in html and 'name="full_name"' in html


# --- Refusals that keep what was typed -------------------------------------------------------


def test_missing_security_token_keeps_answers_and_asks_for_one_more_press(app, client) -> None:
    response = client.post("/consultation/", data={**CONSULTATION, "form_id": "x" * 32})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please press Send again" in html and 'value="Maria Example"' in html
    assert count_submissions(services(app).engine) == 0
    retry = client.post("/consultation/", data={**hidden_fields(html), **CONSULTATION})
    assert retry.status_code == 303 and count_submissions(services(app).engine) == 1


def test_expired_security_token_keeps_answers(site_dir: Path, sqlite_url: str) -> None:
    app = make_app(site_dir, sqlite_url, CSRF_TIME_LIMIT=1)
    client = app.test_client()
    tokens = hidden_fields(client.get("/consultation/").get_data(as_text=True))
    time.sleep(2.1)  # a slow typist
    response = client.post("/consultation/", data={**tokens, **CONSULTATION})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Please press Send again" in html
    assert "He has not left his room much" in html
    retry = client.post("/consultation/", data={**hidden_fields(html), **CONSULTATION})
    assert retry.status_code == 303


def test_honeypot_shows_the_phone_instead_of_a_silent_drop(app, client) -> None:
    response = submit(client, "/consultation/", {**CONSULTATION, "website": "http://spam.example"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "We could not send this form" in html and "314-388-2225" in html
    assert 'value="Maria Example"' in html
    assert count_submissions(services(app).engine) == 0


def test_rate_limit_keeps_answers_and_gives_the_phone(site_dir: Path, sqlite_url: str) -> None:
    app = make_app(site_dir, sqlite_url, RATELIMIT_ENABLED=True, FORM_RATE_LIMIT="2 per minute")
    client = app.test_client()
    for _ in range(2):
        assert submit(
            client, "/consultation/", {**CONSULTATION, "phone": "314-555-0100"}
        ).status_code in (303, 422)
    response = submit(client, "/consultation/", CONSULTATION)
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Please wait a few minutes" in html and "314-388-2225" in html
    assert 'value="Maria Example"' in html


def test_a_rate_limited_form_logs_no_client_address(site_dir: Path, sqlite_url: str, capfd) -> None:
    """An address identifies a person: the refusal is logged by kind only, and Flask-Limiter's
    own line (which names the address) is not written."""
    app = make_app(site_dir, sqlite_url, RATELIMIT_ENABLED=True, FORM_RATE_LIMIT="1 per minute")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.73"
    assert submit(client, "/consultation/", CONSULTATION).status_code == 303
    assert submit(client, "/consultation/", CONSULTATION).status_code == 429
    out, err = capfd.readouterr()
    assert '"event": "submission_rate_limited"' in err and '"kind": "consultation"' in err
    assert "198.51.100.73" not in out + err


# --- When the database fails ------------------------------------------------------------------


def test_database_down_keeps_answers_and_gives_the_phone(site_dir: Path) -> None:
    from intake_server import create_app

    # Nothing listens on port 1: every connection is refused.
    unreachable = "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2"
    client = create_app(app_config(site_dir, unreachable)).test_client()
    response = submit(client, "/consultation/", CONSULTATION)
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Your answers were not sent" in html and "314-388-2225" in html
    assert 'value="Maria Example"' in html and "He has not left his room much" in html
    assert client.get("/healthz").status_code == 503


def test_a_failure_before_commit_is_never_called_sent(site_dir: Path, database_url: str) -> None:
    """The crash trial's third part: a failure between the INSERT and the COMMIT, on each backend."""
    app = make_app(site_dir, database_url)
    client = app.test_client()
    engine = services(app).engine
    with failing_commits(engine):
        response = submit(client, "/consultation/", CONSULTATION)
    assert response.status_code == 503 and "Your answers were not sent" in response.get_data(
        as_text=True
    )
    assert count_submissions(engine) == 0  # rolled back: nothing stored, on either backend
    assert client.get("/received/").status_code == 302  # no receipt to show


# --- PHI never leaks into logs or the database file ----------------------------------------------


MARKERS = {
    "requester_name": "Qzxname Markerone",
    "relationship": "qzxrelative",
    "person_first_name": "Qzxfirst",
    "email": "qzxmail@example.org",
    "message": "qzxmessage about her week",
}


def test_no_phi_in_logs_or_the_raw_database(site_dir: Path, tmp_path: Path, capfd) -> None:
    db = tmp_path / "phi.sqlite3"
    app = make_app(site_dir, f"sqlite:///{db}")
    client = app.test_client()
    submit(client, "/consultation/", {**CONSULTATION, **MARKERS, "phone": "314-555-0177"})
    submit(
        client, "/consultation/", {**CONSULTATION, **MARKERS, "phone": "12"}
    )  # an invalid one too
    submit(
        client,
        "/assessment/",
        {**ASSESSMENT, "full_name": "Qzxname Markerone", "goals-0": "qzxgoal"},
    )
    out, err = capfd.readouterr()
    logs = out + err
    assert "submission_received" in logs and "submission_invalid" in logs  # logging did run
    for marker in [*MARKERS.values(), "qzxgoal", "5550177", "555-0177"]:
        assert marker.lower() not in logs.lower(), f"{marker} leaked into the logs"
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("phi.sqlite3*"))
    assert len(raw) > 0
    for marker in [*MARKERS.values(), "qzxgoal", "+13145550177"]:
        assert marker.encode() not in raw and marker.lower().encode() not in raw.lower(), marker
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"


# --- PostgreSQL, and Redis gone -------------------------------------------------------------------


@pytest.mark.postgres
def test_consultation_on_postgresql(site_dir: Path, postgres_url: str) -> None:
    import sqlalchemy as sa

    with fresh_schema(postgres_url) as url:
        app = make_app(site_dir, url)
        engine = services(app).engine
        try:
            client = app.test_client()
            assert submit(client, "/consultation/", {**CONSULTATION, **MARKERS}).status_code == 303
            reference = reference_in(client.get("/received/").get_data(as_text=True))
            stored = services(app).submissions.get(reference)
            assert stored["payload"]["requester_name"] == MARKERS["requester_name"]
            with engine.connect() as conn:
                raw = conn.execute(sa.text("select payload from submissions")).scalar_one()
            assert MARKERS["requester_name"].encode() not in bytes(raw)
            assert client.get("/healthz").status_code == 200
        finally:
            engine.dispose()


def test_forms_still_work_when_the_rate_limit_store_is_unreachable(
    site_dir: Path, tmp_path: Path
) -> None:
    """Redis down must not turn every form post into an error that loses the answers: counting
    falls back to this process, and the submission is stored."""
    app = make_app(
        site_dir,
        f"sqlite:///{tmp_path / 'intake.sqlite3'}",
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",  # nothing listens on port 1
        FORM_RATE_LIMIT="2 per minute",
    )
    client = app.test_client()
    for _ in range(2):
        assert submit(client, "/consultation/", CONSULTATION).status_code == 303
    assert count_submissions(services(app).engine) == 2
    # The limit still holds, counted in memory.
    assert submit(client, "/consultation/", CONSULTATION).status_code == 429
