"""Urgency: crisis words in what people type, and the choices that mark a submission urgent.
(The crisis-language rules themselves are tested in test_crisis.py.)"""

from __future__ import annotations

import pytest

from intake_server.intake.urgency import crisis_language, free_text, is_urgent, stored_reasons


@pytest.mark.parametrize(
    "text",
    [
        "I keep thinking about suicide",
        "some days I want to die",
        "He talks about ending his life. I think he might end my life too? no, END MY LIFE",
        "she has been cutting herself and self-harm is new",
        "Self harm",
        "I wish I were dead",
        "he took an overdose last year",
    ],
)
def test_crisis_words_are_found(text: str) -> None:
    assert crisis_language([text])
    assert is_urgent([], ["", text])


@pytest.mark.parametrize(
    "text",
    [
        "I am killing it at work but I'm exhausted",
        "My skill myself? no",
        "The diet is to die for",
        "",
    ],
)
def test_ordinary_words_are_not_crisis_words(text: str) -> None:
    assert not crisis_language([text])
    assert not is_urgent(["anxiety"], [text])


def test_urgent_choices_count_without_any_words() -> None:
    assert is_urgent(["anxiety", "suicidal_thoughts"], [])
    assert is_urgent(["crisis"], [""])
    assert not is_urgent(["anxiety", "depression"], ["Sleep better"])


def test_a_stored_submission_says_why_it_is_urgent() -> None:
    payload = {
        "goals": ["Sleep better", "Stop wanting to die"],
        "problems": ["anxiety", "suicidal_thoughts"],
        "strengths": "My dog",
        "barriers": None,
    }
    assert free_text("assessment", payload) == [
        ("goals", "Sleep better"),
        ("goals", "Stop wanting to die"),
        ("strengths", "My dog"),
    ]
    choices, found = stored_reasons("assessment", payload)
    assert choices == ["suicidal_thoughts"]
    assert [m.text for m in found] == ["wanting to die"]
    assert stored_reasons("consultation", None) == ([], [])
