"""Fuzzing the forms with Hypothesis: posts with random content types, files, JSON bodies and
Unicode (control characters included) to the two public forms and the staff sign-in. Whatever
arrives, the answer is never a 500, and nothing stored holds a control character (tab and line
breaks only in the answers written over several lines).

The examples are bounded and derandomised, so this runs in every `make test` the same way.
"""

from __future__ import annotations

import io
import json
import string
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake_server.services import services
from intake_server.storage import Submission
from tests.helpers.forms import ASSESSMENT, CONSULTATION, hidden_fields
from tests.helpers.text import controls_in

FORMS = {"/consultation/": CONSULTATION, "/assessment/": ASSESSMENT}
SIGN_IN = {"email": "ana@clinic.example", "password": "tidal copper orchard lantern"}
LONG_ANSWERS = {"message", "strengths", "barriers"}
FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any Unicode a script could send (surrogates cannot be encoded), controls made likely.
any_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.characters(min_codepoint=0, max_codepoint=0x1F),
        st.sampled_from("\x7f\x85\x9b\u200b\u200d\ufeff\u2028=+-@"),
    ),
    max_size=60,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=8,
)
content_types = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "text/plain",
            "application/xml",
            "application/fhir+json",
        ]
    ),
    st.text(alphabet=string.ascii_letters + string.digits + "/+-.;= ", max_size=40),
)


@st.composite
def posts(draw: st.DrawFn, answers: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for the test client's post: a body in one of the shapes a script may
    send, built around the real answers with some of them replaced by random text."""
    fields: dict[str, Any] = dict(answers)
    for name in draw(st.lists(st.sampled_from(sorted(answers)), max_size=4, unique=True)):
        fields[name] = draw(any_text)
    fields.update(draw(st.dictionaries(any_text, any_text, max_size=2)))
    shape = draw(st.sampled_from(["form", "multipart", "files", "json", "raw", "missing_tokens"]))
    if shape == "form":
        return {"data": fields, "keep_tokens": True}
    if shape == "missing_tokens":
        return {"data": fields, "keep_tokens": False}
    if shape == "multipart":
        return {"data": fields, "content_type": "multipart/form-data", "keep_tokens": True}
    if shape == "files":
        name = draw(st.sampled_from([*sorted(answers), "attachment"]))
        upload = (io.BytesIO(draw(st.binary(max_size=64))), draw(any_text) or "f.txt")
        return {"data": {**fields, name: upload}, "keep_tokens": True}
    if shape == "json":
        body = draw(st.one_of(json_values, st.just(fields)))
        return {"data": json.dumps(body), "content_type": "application/json", "keep_tokens": True}
    return {
        "data": draw(st.binary(max_size=200)),
        "content_type": draw(content_types),
        "keep_tokens": draw(st.booleans()),
    }


def send(client, path: str, post: dict[str, Any]):
    post = dict(post)
    keep = post.pop("keep_tokens")
    tokens = hidden_fields(client.get(path).text)
    if keep and isinstance(post["data"], dict):
        post["data"] = {**post["data"], **tokens}
    return client.post(path, **post)


def stored_payloads(app) -> list[dict[str, Any]]:
    with services(app).engine.connect() as conn:
        references = conn.scalars(sa.select(Submission.reference)).all()
    return [services(app).submissions.get(r)["payload"] for r in references]


@pytest.mark.parametrize("path", sorted(FORMS))
def test_public_forms_never_fail_and_never_store_a_control_character(app, path: str) -> None:
    client = app.test_client()

    @FUZZ
    @given(post=posts(FORMS[path]))
    def run(post: dict[str, Any]) -> None:
        response = send(client, path, post)
        assert response.status_code < 500, (response.status_code, post)

    run()
    payloads = stored_payloads(app)
    assert payloads, "no fuzzed form was stored: the check below would prove nothing"
    assert controls_in(payloads, lines_allowed=True) == []
    for payload in payloads:
        for name, value in payload.items():
            if name not in LONG_ANSWERS:
                assert controls_in(value) == [], name


def test_staff_sign_in_never_fails(app) -> None:
    client = app.test_client()

    @FUZZ
    @given(post=posts(SIGN_IN))
    def run(post: dict[str, Any]) -> None:
        response = send(client, "/staff/sign-in", post)
        assert response.status_code < 500, (response.status_code, post)

    run()
