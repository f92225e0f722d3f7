"""The queue and one submission, as staff use them: finding a reference as it is read out, what
a row shows, labels instead of raw values, contact links, the clinic's time zone, the audit trail
as sentences, the timeline, the "Work on it" panel and closing a possible duplicate; the language
a form was sent in, on the queue (with its filter) and the detail page, and in the personal link."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from intake_server.intake.forms import FORMS, choice_labels, question_names, question_text
from intake_server.services import services
from intake_server.staff import labels
from tests.helpers.forms import csrf
from tests.helpers.staff import ADMIN, STAFF, Harness, form_token
from tests.helpers.storage import audit_entries, change, sample_payload, store_submission

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def desk(site_dir: Path, sqlite_url: str) -> Harness:
    # Sign-in with a code is tested in test_auth_views.py; here the password is the whole of it.
    return Harness.start(site_dir, sqlite_url, STAFF_MFA_OPTIONAL=True)


def stored(harness: Harness, kind: str = "consultation", **answers: object) -> str:
    return store_submission(
        services(harness.app).submissions, kind, {**sample_payload(kind), **answers}
    )


def text_of(response) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- Finding a reference --------------------------------------------------------------------


def test_a_reference_read_aloud_opens_the_submission_and_the_view_is_audited(desk) -> None:
    client = desk.new_signed_in(ADMIN, "admin")
    reference = stored(desk)
    spoken = reference.replace("-", " ").lower()
    for typed in (spoken, reference.replace("-", ""), f"  {reference.lower()} "):
        response = client.get("/staff/find", query_string={"reference": typed})
        assert response.status_code == 303, typed
        assert response.location.endswith(f"/staff/submissions/{reference}")
    page = client.get(response.location)
    assert page.status_code == 200
    viewed = audit_entries(services(desk.app).engine, "viewed")
    assert [entry.reference for entry in viewed] == [reference]


def test_a_reference_that_does_not_exist_says_so_and_keeps_what_was_typed(desk) -> None:
    client = desk.new_signed_in(ADMIN, "admin")
    response = client.get("/staff/find", query_string={"reference": "zzzz yyyy"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "No submission has the reference ZZZZ-YYYY" in html
    assert 'value="zzzz yyyy"' in html and 'aria-invalid="true"' in html
    assert 'aria-describedby="lookup-hint lookup-error"' in html
    missed = audit_entries(services(desk.app).engine, "lookup_missed")
    assert len(missed) == 1 and missed[0].reference is None and "zzzz" not in missed[0].detail
    for typed, message in (("", "Type a reference"), ("Maria Example", "8 letters")):
        response = client.get("/staff/find", query_string={"reference": typed})
        assert response.status_code == 404 and message in response.get_data(as_text=True)


# --- What a row shows -----------------------------------------------------------------------


def test_a_row_shows_what_a_caller_needs_and_no_more(desk) -> None:
    client = desk.new_signed_in(ADMIN, "admin")
    reference = stored(desk, contact_method="text", best_time="morning")
    client.post(
        f"/staff/submissions/{reference}/claim", data={"csrf_token": csrf(client.get("/staff/"))}
    )
    row = next(
        squeeze(r)
        for r in re.findall(r"<tr>(.*?)</tr>", client.get("/staff/").get_data(as_text=True), re.S)
        if reference in r
    )
    row_text = html_lib.unescape(re.sub(r"<[^>]+>", " ", row))
    for expected in (
        "Consultation request",
        "Routine",
        "just now",
        "Last change just now",
        "Text message",
        "Morning (9 am to noon)",
        "In progress",
        "Ana",
    ):
        assert expected in row_text, expected
    assert "CST" in row_text or "CDT" in row_text
    for private in ("Maria", "555", "maria@example.org", "mother"):
        assert private not in row_text


def test_a_new_submission_waits_against_the_first_call_promise(desk) -> None:
    client = desk.new_signed_in(ADMIN, "admin")
    reference = stored(desk)
    assert "First call due in" in text_of(client.get("/staff/"))
    change(services(desk.app).engine, reference, received_at=desk.clock() - timedelta(days=5))
    assert "Overdue by" in text_of(client.get("/staff/"))


# --- Labels, never raw values ---------------------------------------------------------------


def _choices() -> list[tuple[str, str, str, str]]:
    """(kind, field, value, label) for every choice of every field of every form."""
    found = []
    for kind in FORMS:
        for name in question_names(kind):
            for value, label in choice_labels(kind, name).items():
                found.append((kind, name, value, label))
    return found


@pytest.mark.parametrize("kind", list(FORMS))
def test_every_choice_of_every_field_is_shown_by_its_label(desk, kind) -> None:
    """Each choice is stored in turn and its page read: the answer shows the label the person
    saw, and where label and stored value differ the raw value is nowhere in the answer."""
    client = desk.new_signed_in(ADMIN, "admin")
    choices = [c for c in _choices() if c[0] == kind]
    assert choices
    for _, name, value, label in choices:
        answer = [value] if name == "problems" else value
        reference = stored(desk, kind, **{name: answer})
        html = client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
        question = re.escape(
            html_lib.escape(re.sub(r"\s*\(optional\)$", "", question_text(kind, name)), quote=False)
        )
        shown = re.search(rf"<dt>{question}</dt><dd>(.*?)</dd>", html, re.S)
        assert shown, (name, value)
        shown_text = html_lib.unescape(re.sub(r"<[^>]+>", "", shown.group(1)))
        assert label in shown_text, (name, value)
        if value != label:
            assert not re.search(rf"\b{re.escape(value)}\b", shown_text.replace(label, "")), (
                name,
                value,
            )
    # The statuses, outcomes and kinds on the page are labelled too.
    page = text_of(client.get("/staff/?status=all"))
    for raw in ("in_progress", "evaluation_scheduled", "not_a_fit", "consultation "):
        assert raw not in page


def test_every_audit_action_in_the_code_reads_as_a_sentence() -> None:
    """Each action string the code writes to the audit trail has its own sentence."""
    source = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("storage", "staff", "cli")
        for path in (ROOT / "intake_server" / folder).glob("*.py")
    )
    patterns = (
        r'append\(\s*session,\s*"([a-z_]+)"',
        r'audit_action="([a-z_]+)"',
        r'_failed\(\s*session,\s*"([a-z_]+)"',
        r'action: str = "([a-z_]+)"',
        r'\.record\(\s*"([a-z_]+)"',
        r'_audit\(\s*"([a-z_]+)"',
        r'"(export_call_list)" if',
        r'else "(export_queue)"',
        r'_record\(\s*session,\s*row,\s*actor,\s*[a-z_]+,\s*"(claimed|reopened)"',
    )
    used = {match for pattern in patterns for match in re.findall(pattern, source)}
    assert len(used) >= 25, sorted(used)
    assert used - set(labels.AUDIT_SENTENCES) == set()


# --- Contact details and times --------------------------------------------------------------


def test_phone_and_email_are_links_and_times_are_the_clinics(desk) -> None:
    client = desk.new_signed_in(ADMIN, "admin")
    reference = stored(desk, phone="+13145550111", email="maria@example.org")
    html = client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    assert '<a href="tel:+13145550111">(314) 555-0111</a>' in html
    assert '<a href="mailto:maria@example.org">maria@example.org</a>' in html
    assert "+13145550111<" not in html  # the stored form is never the text
    assert " UTC" not in html and re.search(r"\d{1,2}:\d\d [AP]M C[SD]T", html)
    assert "Times are the clinic's local time (America/Chicago)." in html_lib.unescape(html)


def test_admins_find_the_fhir_download_on_the_page_and_staff_do_not(desk) -> None:
    reference = stored(desk)
    admin = desk.new_signed_in(ADMIN, "admin")
    html = admin.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    link = f"/staff/admin/submissions/{reference}/fhir.json"
    assert f'href="{link}"' in html
    assert admin.get(link).status_code == 200
    staff = desk.new_signed_in(STAFF, "staff")
    assert link not in staff.get(f"/staff/submissions/{reference}").get_data(as_text=True)


def test_a_new_assessment_link_can_be_copied_and_stays_selectable_text(desk) -> None:
    client = desk.new_signed_in(ADMIN, "admin")
    reference = stored(desk)
    page = client.post(
        f"/staff/submissions/{reference}/assessment-link",
        data={"csrf_token": csrf(client.get(f"/staff/submissions/{reference}"))},
    ).get_data(as_text=True)
    assert re.search(
        r'<input id="new-link" type="text" readonly value="http[^"]+/assessment/', page
    )
    # The button is hidden until the script (same origin, no inline code) shows it.
    assert re.search(r'<button[^>]*data-copy="new-link"[^>]*hidden>Copy link</button>', page)
    assert '<script src="/static/staff.js" defer></script>' in page


# --- The trail and the timeline as sentences ------------------------------------------------


def test_the_audit_trail_reads_as_sentences_with_the_code_as_a_filter(desk) -> None:
    client = desk.new_signed_in(ADMIN, "admin")
    reference = stored(desk)
    client.get(f"/staff/submissions/{reference}")
    page = squeeze(text_of(client.get("/staff/admin/audit")))
    assert "Ana signed in" in page and f"Ana viewed {reference}" in page
    assert "sign_in_ok" not in page.split("Show")[-1]  # codes are in the filter only
    filtered = squeeze(text_of(client.get("/staff/admin/audit?action=viewed")))
    assert f"Ana viewed {reference}" in filtered and "Ana signed in" not in filtered
    assert '<option value="viewed">viewed</option>' in client.get("/staff/admin/audit").get_data(
        as_text=True
    )


def test_the_timeline_says_who_did_what_and_the_panel_leads_with_the_next_step(desk) -> None:
    client = desk.new_signed_in(ADMIN, "admin")
    reference = stored(desk)
    url = f"/staff/submissions/{reference}"
    before = client.get(url).get_data(as_text=True)
    panel = before[before.index('id="h-work"') :]
    assert panel.index('id="claim"') < panel.index('name="status"')  # claim first
    client.post(f"{url}/claim", data={"csrf_token": csrf(before)})
    after = client.get(url).get_data(as_text=True)
    assert 'id="claim"' not in after
    assert re.search(r'id="next-status">Move to Contacted</button>', after)
    client.post(f"{url}/status", data={"csrf_token": csrf(after), "status": "contacted"})
    timeline = squeeze(text_of(client.get(url)))
    assert "Ana claimed it" in timeline and "Ana moved it to Contacted" in timeline
    assert "Move to Evaluation scheduled" in timeline


# --- Possible duplicates --------------------------------------------------------------------


def test_possible_duplicates_show_on_both_and_one_closes_in_one_step(desk) -> None:
    client = desk.new_signed_in(ADMIN, "admin")
    first = stored(desk, phone="+13145550111", email="maria@example.org")
    second = stored(desk, phone="314 555 0111", email="someone.else@example.org")
    unrelated = stored(desk, phone="+13145550123", email="pat@example.org")
    queue = text_of(client.get("/staff/"))
    assert f"Possible duplicate of {second}" in queue and f"Possible duplicate of {first}" in queue
    assert f"Possible duplicate of {unrelated}" not in queue
    page = client.get(f"/staff/submissions/{second}").get_data(as_text=True)
    assert f"Possible duplicate of {first}" in page

    response = client.post(
        f"/staff/submissions/{second}/duplicate", data={"csrf_token": csrf(page), "of": first}
    )
    assert response.status_code == 303
    closed = squeeze(text_of(client.get(f"/staff/submissions/{second}")))
    assert f"Closed as a duplicate of {first}." in closed
    assert re.search(rf"Status: Closed \(Duplicate of {first} ?\)", closed)
    assert f"Ana closed it as a duplicate of {first}" in closed
    assert "Possible duplicate" not in text_of(client.get(f"/staff/submissions/{first}"))
    entry = audit_entries(services(desk.app).engine, "closed_as_duplicate")[0]
    assert entry.reference == second and first in entry.detail
    bad = client.post(
        f"/staff/submissions/{first}/duplicate",
        data={"csrf_token": csrf(page), "of": "not a reference"},
    )
    assert bad.status_code == 303
    assert "No submission has the reference it duplicates." in text_of(client.get(bad.location))


# --- The language a form was sent in ------------------------------------------------------


def rows(html: str) -> dict[str, str]:
    """{reference: the row's HTML} of the queue table."""
    return {
        m[1]: m[0] for m in re.finditer(r"<tr>\s*<td><a [^>]*>([A-Z0-9-]+)</a>.*?</tr>", html, re.S)
    }


def test_the_queue_shows_the_language_and_filters_by_it(harness: Harness, admin: str) -> None:
    store = services(harness.app).submissions
    english = store_submission(store)
    spanish = store_submission(store, language="es")
    client = harness.signed_in(ADMIN, admin)
    html = client.get("/staff/").text
    assert '<th scope="col">Language</th>' in html
    shown = rows(html)
    assert "<td>Spanish</td>" in shown[spanish] and "<td>English</td>" in shown[english]
    assert '<select id="f-language" name="language">' in html
    filtered = client.get("/staff/?language=es").text
    assert list(rows(filtered)) == [spanish]
    assert '<option value="es" selected>Spanish</option>' in filtered
    # The filter is carried on the page's own links, and an unknown value filters nothing.
    assert "language=es" in filtered
    assert set(rows(client.get("/staff/?language=klingon").text)) == {english, spanish}


def test_the_detail_page_says_to_call_back_in_spanish(harness: Harness, admin: str) -> None:
    spanish = store_submission(services(harness.app).submissions, language="es")
    english = store_submission(services(harness.app).submissions)
    client = harness.signed_in(ADMIN, admin)
    assert (
        "Language: <strong>Spanish</strong> (call back in Spanish)"
        in client.get(f"/staff/submissions/{spanish}").text
    )
    page = client.get(f"/staff/submissions/{english}").text
    assert "Language: <strong>English</strong>" in page and "call back in" not in page


def test_a_personal_link_opens_the_form_in_the_persons_language(
    harness: Harness, admin: str
) -> None:
    store = services(harness.app).submissions
    client = harness.signed_in(ADMIN, admin)
    links = {}
    for language in ("es", "en"):
        reference = store_submission(store, language=language)
        page = client.post(
            f"/staff/submissions/{reference}/assessment-link",
            data={"csrf_token": form_token(client)},
        ).text
        links[language] = re.search(r"(https?://[^\s\"<]+/assessment/\?link=[\w-]+)", page)[1]
    assert "/es/assessment/?link=" in links["es"]
    assert "/es/" not in links["en"]
    person = harness.app.test_client()
    address = urlsplit(links["es"])
    opened = person.get(f"{address.path}?{address.query}")
    assert opened.status_code == 200 and 'lang="es"' in opened.text
    assert "Enviar mis respuestas" in opened.text and 'name="full_name"' not in opened.text
