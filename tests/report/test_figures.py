"""The callback report's figures against a month counted by hand (tests/helpers/report.py), on
SQLite and PostgreSQL: per week and per month in clinic time, medians and 90th percentiles,
the promise counted on the clinic's calendar, and small cells suppressed."""

from __future__ import annotations

from datetime import date

import pytest

from intake_server.business_days import Deadlines
from intake_server.report.figures import MONTH, WEEK, build, nearest_rank, recent_starts
from intake_server.report.table import FEWER, columns
from intake_server.storage import ReportReader, SubmissionStore, WorkStore
from tests.helpers.app import Clock
from tests.helpers.report import NOW, filled
from tests.helpers.storage import KEYRING

PROMISE = Deadlines(business_days=1, urgent_hours=2)


@pytest.fixture
def report(engine):
    clock = Clock()
    filled(
        engine,
        SubmissionStore(engine, KEYRING, clock=clock),
        WorkStore(engine, KEYRING, clock),
        clock,
    )
    return build(ReportReader(engine, KEYRING), PROMISE, NOW, weeks=3, months=2)


def cells(figures) -> dict[str, str]:
    return {column.key: column.cell(figures) for column in columns()}


def test_periods_are_weeks_from_monday_and_calendar_months() -> None:
    assert recent_starts(date(2026, 11, 30), WEEK, 3) == [
        date(2026, 11, 16),
        date(2026, 11, 23),
        date(2026, 11, 30),
    ]
    assert recent_starts(date(2026, 1, 15), MONTH, 3) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
    ]


def test_the_90th_percentile_is_a_time_someone_waited() -> None:
    assert nearest_rank([1, 2, 3, 4, 5, 6, 50], 90) == 50
    assert nearest_rank(list(range(1, 11)), 90) == 9
    assert nearest_rank([7.0], 90) == 7.0


def test_weekly_figures_match_the_hand_count(report) -> None:
    assert [w.start for w in report.weeks] == [
        date(2026, 11, 16),
        date(2026, 11, 23),
        date(2026, 11, 30),
    ]
    first, thanksgiving, current = (cells(w) for w in report.weeks)
    assert first["submissions"] == "9" and first["consultation"] == "7"
    assert first["assessment"] == FEWER and first["urgent"] == FEWER
    assert first["routine_median_hours"] == "4.0" and first["routine_p90_hours"] == "50.0"
    assert first["routine_within_promise"] == "86%"  # 6 of 7
    assert first["urgent_median_hours"] == FEWER and first["urgent_within_promise"] == FEWER
    assert first["outcome_admitted"] == "5" and first["outcome_referred"] == FEWER
    assert first["heard_search"] == "5" and first["heard_friend"] == FEWER
    # Sent the evening before Thanksgiving, called on Friday: within the promise.
    assert thanksgiving["submissions"] == "7"
    assert thanksgiving["routine_median_hours"] == "36.5"
    assert thanksgiving["routine_within_promise"] == "86%"  # 6 of 7: one never called
    assert thanksgiving["heard_doctor"] == "6"
    assert set(cells(report.weeks[2]).values()) == {FEWER}
    assert current["submissions"] == FEWER


def test_monthly_figures_match_the_hand_count(report) -> None:
    october, november = (cells(m) for m in report.months)
    assert october["submissions"] == FEWER
    assert november["submissions"] == "16" and november["consultation"] == "14"
    assert november["urgent"] == FEWER
    # 1, 2, 3, 4, 5, 6, then six of 36.5, then 50: the 7th and the 12th of 13.
    assert november["routine_median_hours"] == "36.5"
    assert november["routine_p90_hours"] == "36.5"
    assert november["routine_within_promise"] == "86%"  # 12 of 14
    assert november["heard_search"] == "5" and november["heard_doctor"] == "6"
    raw = report.months[1]
    assert raw.promise[False].due == 14 and raw.promise[False].kept == 12
    assert raw.urgent == 2 and raw.promise[True].kept == 1
    assert sorted(raw.hours[False]) == [1, 2, 3, 4, 5, 6, *[36.5] * 6, 50]
