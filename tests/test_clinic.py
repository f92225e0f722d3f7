"""The values clinic.py works out from clinic.yml."""

from __future__ import annotations

import pytest

from intake_server.clinic import ages_text, load_facts, weekdays


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
