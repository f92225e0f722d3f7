"""The clinic's facts: closures are checked when clinic.yml is read, naming the bad entry; each
worded fact's `_es` twin stands in for it on Spanish pages (localized)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from intake_server.clinic import DEFAULT_FACTS, closure_dates, load_facts, localized


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
