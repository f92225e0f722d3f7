"""When a first call is due: business days in the clinic's own time, hours when urgent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intake_server.staff.deadlines import Deadlines

PROMISE = Deadlines(business_days=1, urgent_hours=2)


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


def test_an_urgent_submission_is_overdue_after_a_few_hours_not_a_business_day() -> None:
    friday_noon = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    assert PROMISE.response_due(friday_noon, urgent=True) == friday_noon + timedelta(hours=2)
    assert not PROMISE.is_overdue("new", friday_noon, True, friday_noon + timedelta(minutes=119))
    assert PROMISE.is_overdue("new", friday_noon, True, friday_noon + timedelta(minutes=121))
    assert not PROMISE.is_overdue("in_progress", friday_noon, True, friday_noon + timedelta(days=3))
    slower = Deadlines(business_days=1, urgent_hours=0.5)
    assert slower.is_overdue("new", friday_noon, True, friday_noon + timedelta(minutes=31))
