"""The clinic's facts: closures are checked when clinic.yml is read, naming the bad entry."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from intake_server.clinic import DEFAULT_FACTS, closure_dates, load_facts


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
