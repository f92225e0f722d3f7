"""Control characters are dropped as a form is read: from names and short answers (where a tab
or a line break becomes a space), from long answers except tab and line breaks, from the staff
sign-in's email; never from a password."""

from __future__ import annotations

from pathlib import Path

from intake_server.intake.text import without_controls
from intake_server.services import services
from tests.helpers.forms import ASSESSMENT, CONSULTATION, csrf, reference_in, submit
from tests.helpers.staff import ADMIN, Harness, error_text, password_step, sign_in
from tests.helpers.storage import store_submission
from tests.helpers.text import controls_in


def test_without_controls() -> None:
    assert without_controls("Pat\x00 \x1b[2JEx\x7fample\x9b") == "Pat [2JExample"
    assert without_controls("one\ttwo\r\nthree") == "one two  three"
    assert without_controls("one\ttwo\r\nthree\x0b", multiline=True) == "one\ttwo\r\nthree"
    assert (
        without_controls("Zoë \u200d\U0001f469\u200d\U0001f467 ١٢")
        == "Zoë \u200d\U0001f469\u200d\U0001f467 ١٢"
    )


def test_a_consultation_keeps_no_control_characters(app, client) -> None:
    answers = {
        **CONSULTATION,
        "requester_name": "Maria\x00 Ex\x1bample",
        "relationship": "her\tmother",
        "person_first_name": "Sam\x08",
        "message": "He has not left his room.\r\n\tNot\x00 even\x1b for meals.",
    }
    assert submit(client, "/consultation/", answers).status_code == 303
    payload = services(app).submissions.get(reference_in(client.get("/received/")))["payload"]
    assert controls_in(payload, lines_allowed=True) == []
    assert payload["requester_name"] == "Maria Example"
    assert payload["relationship"] == "her mother"
    assert payload["person_first_name"] == "Sam"
    assert payload["message"] == "He has not left his room.\r\n\tNot even for meals."


def test_an_assessment_keeps_no_control_characters(app, client) -> None:
    answers = {**ASSESSMENT, "full_name": "Sam\x00 Example", "goals-0": "Sleep\x1b\x00 well"}
    assert submit(client, "/assessment/", answers).status_code == 303
    payload = services(app).submissions.get(reference_in(client.get("/received/")))["payload"]
    assert controls_in(payload, lines_allowed=True) == []
    assert payload["full_name"] == "Sam Example" and payload["goals"][0] == "Sleep well"


def test_a_re_shown_form_shows_the_answers_without_controls(client) -> None:
    answers = {**CONSULTATION, "requester_name": "Maria\x00 Example", "phone": "12"}
    page = submit(client, "/consultation/", answers)
    assert page.status_code == 422
    assert 'value="Maria Example"' in page.text and "\x00" not in page.text


def test_staff_sign_in_reads_the_email_without_controls(site_dir: Path, database_url: str) -> None:
    """On PostgreSQL a NUL in a query is an error of its own: it must never get that far."""
    harness = Harness.start(site_dir, database_url)
    try:
        secret = harness.user(ADMIN, "admin")
        wrong = password_step(harness.client(), "nobody\x00@clinic.example")
        assert wrong.status_code == 200 and error_text(wrong.text)
        done = sign_in(harness.client(), f"\x00{ADMIN}\x1b", code=harness.code(secret))
        assert done.status_code == 303 and done.location == "/staff/"
    finally:
        services(harness.app).engine.dispose()


def test_a_password_is_taken_exactly_as_typed(site_dir: Path, sqlite_url: str) -> None:
    harness = Harness.start(site_dir, sqlite_url)
    password = "tidal\x01copper orchard lantern"
    secret = harness.user(ADMIN, "admin", password=password)
    harness.clock.advance(seconds=30)
    done = sign_in(harness.client(), ADMIN, password=password, code=harness.code(secret))
    assert done.status_code == 303
    harness.clock.advance(seconds=30)
    stripped = sign_in(harness.client(), ADMIN, password="tidalcopper orchard lantern")
    assert stripped.status_code == 200


def test_staff_notes_and_reasons_keep_no_control_characters(harness: Harness, admin) -> None:
    client = harness.signed_in(ADMIN, admin)
    reference = store_submission(services(harness.app).submissions)
    page = client.get(f"/staff/submissions/{reference}")
    token = {"csrf_token": csrf(page.text)}
    client.post(
        f"/staff/submissions/{reference}/notes",
        data={**token, "note": "Called\x00 twice.\r\nNo answer\x1b."},
    )
    client.post(
        f"/staff/submissions/{reference}/urgency",
        data={**token, "urgent": "yes", "reason": "Mother\x07 called back"},
    )
    timeline = services(harness.app).work.detail(reference)["timeline"]
    assert [e["note"] for e in timeline] == ["Called twice.\r\nNo answer.", "Mother called back"]
