"""Every form takes form fields only: a post with a file or a JSON body is refused with a page
that says so and gives the phone number (never a 500), on the public forms and the staff ones."""

from __future__ import annotations

import io

import pytest

from intake_server.services import services
from tests.helpers.forms import CONSULTATION, hidden_fields
from tests.helpers.staff import ADMIN, Harness
from tests.helpers.storage import count_submissions, store_submission

PHONE = "314-388-2225"


def with_a_file(fields: dict) -> dict:
    return {**fields, "resume": (io.BytesIO(b"%PDF-1.4 not a form field"), "resume.pdf")}


def assert_refused(response, status: int) -> None:
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert "We could not read what was sent" in html and PHONE in html
    assert 'class="crisis-bar"' in html  # in the site's own page, crisis help included


@pytest.mark.parametrize("path", ["/consultation/", "/assessment/"])
def test_public_forms_refuse_files_and_json(app, client, path: str) -> None:
    fields = {**hidden_fields(client.get(path).text), **CONSULTATION}
    assert_refused(client.post(path, data=with_a_file(fields)), 400)
    for body in (1, [1, 2], {"requester_name": "Pat"}, "text", False):
        assert_refused(client.post(path, json=body), 415)
    assert_refused(client.post(path, data=b"requester_name=Pat", content_type="text/plain"), 415)
    assert count_submissions(services(app).engine) == 0
    # Fields alone still work, whether sent urlencoded or as multipart.
    multipart = client.post(path, data=fields, content_type="multipart/form-data")
    assert multipart.status_code in (303, 422)
    assert client.post("/consultation/", data=fields).status_code == 303


def test_staff_forms_refuse_files_and_json(harness: Harness, admin: str) -> None:
    anonymous = harness.client()
    token = hidden_fields(anonymous.get("/staff/sign-in").text)
    sign_in = {**token, "email": ADMIN, "password": "whatever it is"}
    assert_refused(anonymous.post("/staff/sign-in", data=with_a_file(sign_in)), 400)
    assert_refused(anonymous.post("/staff/sign-in", json=sign_in), 415)
    client = harness.signed_in(ADMIN, admin)
    reference = store_submission(services(harness.app).submissions)
    page = client.get(f"/staff/submissions/{reference}")
    note = {**hidden_fields(page.text), "note": "Left a voicemail."}
    assert_refused(
        client.post(f"/staff/submissions/{reference}/notes", data=with_a_file(note)), 400
    )
    assert_refused(client.post(f"/staff/submissions/{reference}/notes", json=note), 415)
    assert services(harness.app).work.detail(reference)["timeline"] == []
    assert client.post(f"/staff/submissions/{reference}/notes", data=note).status_code == 303
