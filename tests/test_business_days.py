"""When a first call is due: business days in the clinic's own time, skipping public holidays
and the clinic's closures; hours when urgent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intake_server.business_days import BusinessCalendar, CalendarError, Deadlines, calendar
from intake_server.clinic import clinic

PROMISE = Deadlines(business_days=1, urgent_hours=2)


def calendar_with(**changes: object) -> BusinessCalendar:
    return BusinessCalendar.from_facts({**clinic(), **changes})


def test_overdue_counts_business_days_in_clinic_time() -> None:
    friday_noon = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # Friday 12:00 in St. Louis
    due = PROMISE.response_due(friday_noon, urgent=False)
    assert due.weekday() == 0 and due.day == 23  # Monday, end of day
    assert not PROMISE.is_overdue(
        "new", friday_noon, False, datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    )
    assert PROMISE.is_overdue("new", friday_noon, False, datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    assert not PROMISE.is_overdue(
        "contacted", friday_noon, False, datetime(2026, 12, 24, tzinfo=UTC)
    )


def test_the_evening_before_thanksgiving_is_not_overdue_on_thanksgiving() -> None:
    wednesday_evening = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)  # Wed 25 Nov, 8:30 pm CST
    thanksgiving_afternoon = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)
    friday_after = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)  # Sat 12:30 am CST
    due = PROMISE.response_due(wednesday_evening, urgent=False)
    assert (due.month, due.day, due.hour) == (11, 27, 23)  # the end of Friday, clinic time
    assert not PROMISE.is_overdue("new", wednesday_evening, False, thanksgiving_afternoon)
    assert PROMISE.is_overdue("new", wednesday_evening, False, friday_after)
    assert PROMISE.kept(wednesday_evening, False, datetime(2026, 11, 27, 15, tzinfo=UTC))


def test_a_closure_date_is_skipped() -> None:
    closed_monday = calendar_with(closures=["2026-11-23"])
    promise = Deadlines(business_days=1, urgent_hours=2, calendar=closed_monday)
    friday_noon = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    assert promise.response_due(friday_noon, urgent=False).day == 24  # Tuesday
    assert not promise.is_overdue("new", friday_noon, False, datetime(2026, 11, 24, 15, tzinfo=UTC))
    assert PROMISE.is_overdue("new", friday_noon, False, datetime(2026, 11, 24, 15, tzinfo=UTC))


def test_the_state_s_own_holidays_count() -> None:
    # Truman Day (8 May) is a Missouri holiday, not a federal one.
    assert not calendar().is_business_day(datetime(2026, 5, 8).date())
    assert calendar_with(holidays={"country": "US", "subdivision": "IL"}).is_business_day(
        datetime(2026, 5, 8).date()
    )


def test_an_unknown_holiday_calendar_is_a_clear_error() -> None:
    with pytest.raises(CalendarError, match=r"clinic\.yml: holidays.*'ZZ'"):
        calendar_with(holidays={"country": "US", "subdivision": "ZZ"})


def test_an_urgent_submission_is_overdue_after_a_few_hours_not_a_business_day() -> None:
    friday_noon = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    assert PROMISE.response_due(friday_noon, urgent=True) == friday_noon + timedelta(hours=2)
    assert not PROMISE.is_overdue("new", friday_noon, True, friday_noon + timedelta(minutes=119))
    assert PROMISE.is_overdue("new", friday_noon, True, friday_noon + timedelta(minutes=121))
    assert not PROMISE.is_overdue("in_progress", friday_noon, True, friday_noon + timedelta(days=3))
    slower = Deadlines(business_days=1, urgent_hours=0.5)
    assert slower.is_overdue("new", friday_noon, True, friday_noon + timedelta(minutes=31))
