"""How the dashboard words a person's answers: each question as the form asked it, each choice
by its label, the person's own words as typed."""

from __future__ import annotations

from intake_server.staff.labels import answers


def test_answers_are_labelled_and_choices_named() -> None:
    consultation = dict(answers("consultation", {"for_whom": "loved_one", "relationship": "yes"}))
    assessment = dict(
        answers("assessment", {"problems": ["anxiety", "other"], "goals": ["a", "b"]})
    )
    assert consultation["Who is this request for?"] == "For someone I care about"
    assert assessment["What are you struggling with?"] == "Anxiety, Something else"
    assert assessment["Your goals"] == "1. a\n2. b"
    assert consultation["How do you know them?"] == "yes"  # the person's own words, as typed
