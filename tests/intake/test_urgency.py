"""Urgency: crisis words in what people type, and the choices that mark a submission urgent."""

from __future__ import annotations

import pytest

from intake_server.intake.urgency import is_urgent, mentions_crisis


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
    assert mentions_crisis([text])


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
    assert not mentions_crisis([text])


def test_urgent_choices_count_without_any_words() -> None:
    assert is_urgent(["anxiety", "suicidal_thoughts"], [])
    assert is_urgent(["crisis"], [""])
    assert not is_urgent(["anxiety", "depression"], ["Sleep better"])
