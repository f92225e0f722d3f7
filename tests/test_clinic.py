"""clinic.yml's facts in a language (intake_server/clinic.py: localized): each worded fact's `_es`
twin stands in for it on Spanish pages, and facts without a twin stay as they are."""

from __future__ import annotations

from intake_server.clinic import load_facts, localized


def test_spanish_reads_each_worded_facts_twin() -> None:
    facts = load_facts()
    spanish = localized(facts, "es")
    assert spanish["program"]["first_call"] == facts["program"]["first_call_es"]
    assert spanish["program"]["days"] == facts["program"]["days_es"]
    assert spanish["insurance"]["not_accepted"] == facts["insurance"]["not_accepted_es"]
    assert [p["label"] for p in spanish["problems"]] == [p["label_es"] for p in facts["problems"]]
    assert "first_call_es" not in spanish["program"]  # one name, one value


def test_facts_without_a_twin_are_the_same_in_both_languages() -> None:
    facts = load_facts()
    spanish = localized(facts, "es")
    assert spanish["phone"] == facts["phone"]
    assert spanish["program"]["sessions_per_week"] == facts["program"]["sessions_per_week"]
    assert spanish["insurance"]["in_network"] == facts["insurance"]["in_network"]
    assert localized(facts, "en")["program"]["first_call"] == facts["program"]["first_call"]


def test_every_worded_english_fact_on_the_pages_has_a_spanish_twin() -> None:
    program = load_facts()["program"]
    for name in ("time_of_day", "days", "start_time", "end_time", "first_call", "evaluation"):
        assert f"{name}_es" in program, name
