"""The values worked out from clinic.yml, in the words the pages and forms use."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from intake_server.clinic import ages_text, days_text, map_url, words_list


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"], "Monday to Friday"),
        (["Monday", "Tuesday", "Wednesday"], "Monday to Wednesday"),
        (["Monday", "Tuesday", "Thursday"], "Monday, Tuesday and Thursday"),
        (["Saturday", "Sunday"], "Saturday and Sunday"),
        (["Wednesday"], "Wednesday"),
    ],
)
def test_weekdays_read_as_people_say_them(days: list[str], said: str) -> None:
    assert days_text(days) == said


def test_lists_join_with_and() -> None:
    assert words_list(["a", "b", "c"]) == "a, b and c"


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


def test_the_map_link_searches_for_the_address_only() -> None:
    url = urlsplit(map_url("12 Example Lane, Clayton, MO 63105"))
    assert url.scheme == "https"
    assert parse_qs(url.query) == {"api": ["1"], "query": ["12 Example Lane, Clayton, MO 63105"]}
