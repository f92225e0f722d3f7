"""When a first call is due, in business days and the clinic's own time."""

from __future__ import annotations

from datetime import UTC, datetime

from intake_server.staff.deadlines import is_overdue, response_due


def test_overdue_counts_business_days_in_clinic_time() -> None:
    friday_noon = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # Friday 12:00 in St. Louis
    due = response_due(friday_noon, 1)
    assert due.weekday() == 0 and due.day == 23  # Monday, end of day
    assert not is_overdue("new", friday_noon, datetime(2026, 11, 23, 20, 0, tzinfo=UTC), 1)
    assert is_overdue("new", friday_noon, datetime(2026, 11, 24, 15, 0, tzinfo=UTC), 1)
    assert not is_overdue("contacted", friday_noon, datetime(2026, 12, 24, tzinfo=UTC), 1)
