"""The language of a page comes from its address: /es/ is Spanish, everything else English."""

from __future__ import annotations

import pytest
from flask import Flask

from intake_server.web.language import fact, in_language, page_language


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("/es/consultation/", "es"),
        ("/es/received/", "es"),
        ("/consultation/", "en"),
        ("/staff/", "en"),
        ("/estimates/", "en"),  # only the /es/ folder is Spanish, not a word that starts "es"
        ("/es", "en"),
    ],
)
def test_the_address_is_the_language(path: str, language: str) -> None:
    app = Flask(__name__)
    with app.test_request_context(path, headers={"Accept-Language": "es"}):
        assert page_language() == language


def test_outside_a_request_the_language_is_english() -> None:
    assert page_language() == "en"


def test_an_english_address_in_each_language() -> None:
    app = Flask(__name__)
    with app.test_request_context("/es/consultation/"):
        assert in_language("/consultation/") == "/es/consultation/"
        assert in_language("/consultation/", "en") == "/consultation/"
    assert in_language("/assessment/", "es") == "/es/assessment/"


def test_worded_facts_follow_the_page_and_never_fall_back_to_english() -> None:
    app = Flask(__name__)
    program = {"first_call": "within one business day", "first_call_es": "en un día hábil"}
    with app.test_request_context("/es/received/"):
        assert fact(program, "first_call") == "en un día hábil"
        with pytest.raises(KeyError):
            fact({"evaluation": "within a week"}, "evaluation")
    with app.test_request_context("/received/"):
        assert fact(program, "first_call") == "within one business day"
