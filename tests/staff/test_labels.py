"""How the dashboard words a person's answers: each question as the form asked it, each choice
by its label, the person's own words as typed, with crisis language marked."""

from __future__ import annotations

from intake_server.staff.labels import answers, event_text, urgency_reasons


def shown(kind: str, payload: dict) -> dict[str, str]:
    return {question: "".join(p for p, _ in pieces) for question, pieces in answers(kind, payload)}


def test_answers_are_labelled_and_choices_named() -> None:
    consultation = shown(
        "consultation", {"for_whom": "loved_one", "age_group": "under_18", "relationship": "yes"}
    )
    assessment = shown("assessment", {"problems": ["anxiety", "other"], "goals": ["a", "b"]})
    assert consultation["Who is this request for?"] == "For someone I care about"
    assert consultation["How old is the person who needs care?"] == "Under 18"
    assert list(consultation)[:2] == [
        "Who is this request for?",
        "How old is the person who needs care?",
    ]
    assert assessment["What are you struggling with?"] == "Anxiety, Something else"
    assert assessment["Your goals"] == "1. a\n2. b"
    assert consultation["How do you know them?"] == "yes"  # the person's own words, as typed


def test_crisis_words_are_marked_only_in_what_the_person_wrote() -> None:
    payload = {
        "message": "He says everyone would be better off without him.",
        "relationship": "wants to die",  # not a free-text answer: never marked
    }
    marked = {
        question: [piece for piece, hit in pieces if hit]
        for question, pieces in answers("consultation", payload)
    }
    assert marked["Anything you would like us to know"] == [
        "everyone would be better off without him"
    ]
    assert marked["How do you know them?"] == []


def test_the_flag_says_why() -> None:
    reasons = urgency_reasons(
        "assessment", {"problems": ["suicidal_thoughts"], "strengths": "I stopped cutting again"}
    )
    assert reasons[0] == "Chose \u201cSuicidal thoughts\u201d"
    assert any(r.startswith("Self-harm: \u201c") for r in reasons[1:])
    assert urgency_reasons("consultation", None) == []


def test_a_change_of_urgency_reads_as_a_sentence() -> None:
    assert event_text({"action": "urgency", "urgent": True}) == "marked it urgent"
    assert event_text({"action": "urgency", "urgent": False}) == "marked it not urgent"
    assert event_text({"action": "claimed", "urgent": None}) == "claimed it"
