"""Forms as a browser without JavaScript fills them: the tokens a page carries, sending a form,
the reference a confirmation shows, and sample answers (one consultation request, shared with the
benchmarks, and one assessment)."""

from __future__ import annotations

import re
from typing import Any

from testkit.clients import CONSULTATION

__all__ = [
    "ASSESSMENT",
    "CONSULTATION",
    "CONSULTATION_FOR_SELF",
    "csrf",
    "form_payload",
    "hidden_fields",
    "reference_in",
    "send_form",
    "submit",
]

# The hidden fields a form page carries: the CSRF token, and the public forms' form id.
HIDDEN = re.compile(r'<input[^>]*name="(csrf_token|form_id)"[^>]*value="([^"]*)"')

# The consultation request, sent by the person for themselves.
CONSULTATION_FOR_SELF = {
    **CONSULTATION,
    "for_whom": "self",
    "requester_name": "Pat Example",
    "relationship": "",
    "person_first_name": "",
    "person_knows": "",
}
ASSESSMENT = {
    "full_name": "Sam Example",
    "date_of_birth": "1990-03-14",
    "phone": "314-555-0199",
    "goals-0": "Sleep through the night",
    "goals-1": "Go back to work",
    "problems": ["depression", "anxiety"],
    "strengths": "My sister, and I like to cook.",
    "barriers": "Evening traffic.",
}


def _text(page: Any) -> str:
    """A page as text: a Flask test response, an httpx response, or the HTML itself."""
    if isinstance(page, str):
        return page
    return page.text


def hidden_fields(page: Any) -> dict[str, str]:
    """The tokens a form page carries (csrf_token, and form_id on the public forms)."""
    return dict(HIDDEN.findall(_text(page)))


def csrf(page: Any) -> str:
    """The CSRF token of a form page; a page without one fails the test."""
    found = hidden_fields(page).get("csrf_token")
    assert found, "no form token on the page"
    return found


def submit(
    client: Any, path: str, data: dict[str, Any], *, form_page: str | None = None, **kwargs: Any
) -> Any:
    """GET the form (from `form_page`, or `path`) for its tokens, then POST the answers the way
    a browser does. Keyword arguments go to both requests."""
    page = client.get(form_page or path, **kwargs)
    assert page.status_code == 200, (form_page or path, page.status_code)
    return client.post(path, data={**hidden_fields(page), **data}, **kwargs)


def error_summary(page: Any) -> str:
    """The error summary at the top of a form shown again; a page without one fails the test."""
    match = re.search(r'<div class="intake-summary".*?</div>', _text(page), re.DOTALL)
    assert match, "no error summary on the page"
    return match[0]


def reference_in(page: Any) -> str | None:
    """The reference a confirmation page shows, if any."""
    match = re.search(r'class="intake-reference">([A-Z0-9-]+)<', _text(page))
    return match[1] if match else None


def send_form(client: Any, path: str, answers: dict[str, Any]) -> str:
    """Send a public form through the test client and return the reference the person was shown.
    For tests about sending; a test that only needs a stored submission uses
    tests.helpers.storage.store_submission."""
    response = submit(client, path, answers)
    assert response.status_code == 303, response.status_code
    reference = reference_in(client.get("/received/"))
    assert reference
    return reference


def form_payload(form_class: type, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """The payload the real form builds from these answers, so shapes cannot drift."""
    from flask import Flask

    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", WTF_CSRF_ENABLED=False)
    with app.test_request_context(method="POST", data={**data, "form_id": "f" * 24}):
        form = form_class(**kwargs)
        assert form.validate(), form.errors
        return form.payload()
