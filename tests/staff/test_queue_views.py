"""The queue and the detail page show the language a form was sent in, the queue filters by it,
and a personal assessment link opens the form in that language."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from intake_server.services import services
from tests.helpers.staff import ADMIN, Harness, form_token
from tests.helpers.storage import store_submission


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
