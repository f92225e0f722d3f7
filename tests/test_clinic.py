"""The clinic's facts: closures are checked when clinic.yml is read, naming the bad entry; each
worded fact's `_es` twin stands in for it on Spanish pages (localized)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from intake_server.clinic import (
    DEFAULT_FACTS,
    FactsError,
    ages_text,
    closure_dates,
    load_facts,
    localized,
    phone_problem,
    site_setting,
    time_words,
    weekdays,
)


def test_closures_read_as_dates_quoted_or_not() -> None:
    assert closure_dates([date(2026, 12, 24), "2026-12-31", "2026-12-24"]) == [
        "2026-12-24",
        "2026-12-31",
    ]
    assert closure_dates(None) == []


@pytest.mark.parametrize("bad", ["2026-13-01", "24/12/2026", "2026-2-3", "soon", 20261224])
def test_a_closure_that_is_not_a_date_stops_the_load_naming_it(tmp_path: Path, bad) -> None:
    facts = yaml.safe_load(DEFAULT_FACTS.read_text(encoding="utf-8"))
    facts["closures"] = ["2026-12-24", bad]
    path = tmp_path / "clinic.yml"
    path.write_text(yaml.safe_dump(facts), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"closures: {bad!r} is not a date.*YYYY-MM-DD"):
        load_facts(path)


def test_closures_must_be_a_list() -> None:
    with pytest.raises(ValueError, match="closures must be a list"):
        closure_dates("2026-12-24")


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


def test_weekdays_read_as_people_say_them() -> None:
    assert weekdays(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]) == "Monday to Friday"
    assert weekdays(["Monday", "Tuesday", "Thursday"]) == "Monday, Tuesday and Thursday"
    assert weekdays(["Friday", "Saturday", "Sunday"]) == "Friday to Sunday"
    assert weekdays(["Tuesday", "Thursday"]) == "Tuesday and Thursday"
    assert weekdays(["Monday", "Tuesday"]) == "Monday and Tuesday"
    assert weekdays(["Saturday"]) == "Saturday"
    assert weekdays([]) == ""


def test_the_map_link_searches_for_the_clinic() -> None:
    facts = load_facts()
    assert facts["map_url"] == (
        "https://www.google.com/maps/search/?api=1&query=Plural%20Healthcare%2C%20St.%20Louis%2C%20MO"
    )
    assert facts["program"]["days_text"] == "Monday, Tuesday and Thursday"


def test_phone_hours_and_ages_read_as_sentences() -> None:
    facts = load_facts()
    assert facts["phone_hours_text"] == "Monday to Friday, 8:30 am to 5:00 pm"
    assert facts["program"]["ages_text"] == "adults aged 18 and over"


@pytest.mark.parametrize(
    ("low", "high", "said"),
    [
        (18, None, "adults aged 18 and over"),
        (None, None, "adults aged 18 and over"),
        (21, 64, "adults aged 21 to 64"),
        (13, 17, "people aged 13 to 17"),
    ],
)
def test_ages_say_who_the_program_is_for(low: int | None, high: int | None, said: str) -> None:
    assert ages_text(low, high) == said


def test_spanish_weekdays_and_hours() -> None:
    assert weekdays(["lunes", "martes", "miércoles"], "es") == "de lunes a miércoles"
    assert weekdays(["lunes", "martes", "jueves"], "es") == "lunes, martes y jueves"
    facts = load_facts()
    assert localized(facts, "es")["phone_hours_text"].startswith("de lunes a viernes, de ")


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("314-388-2225", None),
        ("(636) 555-0199", None),
        ("555-0142", "it has no area code"),
        ("314-555-01422", "it has too many digits"),
        ("314-55", "it has too few digits"),
        ("123-456-7890", "no such number can exist (check the area code)"),
        ("call us", "it is not a phone number"),
    ],
)
def test_a_phone_is_checked_for_the_clinics_country(number: str, problem: str | None) -> None:
    assert phone_problem(number, "US") == problem


def test_a_facts_mistake_names_its_line(tmp_path: Path) -> None:
    text = DEFAULT_FACTS.read_text(encoding="utf-8").replace(
        'phone: "314-388-2225"', 'phone: "555-0142"'
    )
    path = tmp_path / "clinic.yml"
    path.write_text(text, encoding="utf-8")
    line = text.split("\n").index('phone: "555-0142"') + 1
    with pytest.raises(FactsError) as raised:
        load_facts(path)
    assert raised.value.line == line
    assert str(raised.value).startswith(f"clinic.yml, line {line}: the phone ")


def test_a_bracket_left_open_at_the_end_names_the_last_line(tmp_path: Path) -> None:
    """YAML finds it only past the final newline; the editor is pointed at the line they wrote."""
    text = DEFAULT_FACTS.read_text(encoding="utf-8").rstrip("\n") + "\nextra: [open\n"
    path = tmp_path / "clinic.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FactsError) as raised:
        load_facts(path)
    assert raised.value.line == len(text.splitlines())
    assert "the line reads: extra: [open" in str(raised.value)


@pytest.mark.parametrize("when", ["morning", "afternoon", "evening", "daytime"])
def test_every_time_of_day_has_words_in_every_language(when: str) -> None:
    for language in ("en", "es"):
        words = time_words(when, language)
        assert set(words) == {"word", "when", "plural", "group"}
        assert all(words.values())
    assert time_words("morning") == {
        "word": "morning",
        "when": "in the morning",
        "plural": "mornings",
        "group": "morning",
    }
    assert time_words("evening", "es")["plural"] == "tardes"


def test_the_site_settings_come_from_the_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SITE_URL", raising=False)
    facts = load_facts()
    assert site_setting("name") == facts["name"]
    assert site_setting("description_es") == facts["description_es"]
    monkeypatch.setenv("SITE_URL", "https://preview.example.org/")
    assert site_setting("site_url") == "https://preview.example.org/"
