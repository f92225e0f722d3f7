"""How the dashboard words a person's answers: each question as the form asked it, each choice
by its label, the person's own words as typed, with crisis language marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intake_server.staff.labels import (
    AUDIT_SENTENCES,
    answers,
    audit_details,
    audit_sentence,
    event_text,
    local_time,
    phone_display,
    staff_name,
    urgency_reasons,
    waiting,
)


def shown(kind: str, payload: dict) -> dict[str, str]:
    return {a.question: "".join(p for p, _ in a.pieces) for a in answers(kind, payload)}


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
        a.question: [piece for piece, hit in a.pieces if hit]
        for a in answers("consultation", payload)
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


def test_phones_are_shown_as_dialled_here_with_a_tel_link() -> None:
    assert phone_display("+13145550111") == ("(314) 555-0111", "tel:+13145550111")
    assert phone_display("+442071838750") == ("+44 20 7183 8750", "tel:+442071838750")
    assert phone_display("call me") == ("call me", None)
    shown = {a.question: a for a in answers("consultation", {"phone": "+13145550111"})}
    assert shown["Phone number"].href == "tel:+13145550111"
    assert shown["Phone number"].pieces == [("(314) 555-0111", False)]
    email = answers("consultation", {"email": "maria@example.org"})[0]
    assert email.href == "mailto:maria@example.org"


def test_names_and_sentences() -> None:
    assert staff_name("ana@clinic.example") == "Ana"
    assert staff_name("intake.lead@clinic.example") == "Intake Lead"
    assert staff_name(None) == "Someone"
    assert audit_sentence("sign_in_ok", "ana@clinic.example", None) == "Ana signed in"
    assert audit_sentence("viewed", "ana@clinic.example", "Q4QG-MJXH") == "Ana viewed Q4QG-MJXH"
    assert all("{who}" in sentence for sentence in AUDIT_SENTENCES.values())
    assert audit_details('{"rows":3,"account":null}') == "rows: 3"
    moved = {"action": "status", "to_status": "in_progress", "outcome": None}
    assert event_text(moved) == "moved it to In progress"
    closed = {"action": "status", "to_status": "closed", "outcome": "not_a_fit"}
    assert event_text(closed) == "closed it (Not a fit)"
    assert event_text({"action": "assigned", "assignee": "ben@clinic.example"}) == (
        "gave it to Ben"
    )


def test_times_are_the_clinics_and_waiting_reads_against_the_promise() -> None:
    # 00:30 UTC on 26 November is 6:30 pm the evening before in St. Louis (clinic.yml).
    when = datetime(2026, 11, 26, 0, 30, tzinfo=UTC)
    assert local_time(when) == "25 Nov 2026, 6:30 PM CST"
    assert local_time(when, seconds=True) == "25 Nov 2026, 6:30:00 PM CST"
    due = when + timedelta(hours=2)
    assert waiting("new", due, when, when) == "First call due in 2 hours"
    assert waiting("new", due, when, due + timedelta(minutes=90)) == "Overdue by 1 hour"
    assert waiting("contacted", due, when, when + timedelta(days=2)) == "Last change 2 days ago"
