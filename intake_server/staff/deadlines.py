"""When a submission is due a first call, and when it is overdue, in the clinic's own time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..clinic import clinic


def response_due(received_at: datetime, business_days: int) -> datetime:
    """The end of the business day `business_days` working days after receipt, in clinic time."""
    zone = ZoneInfo(clinic()["timezone"])
    day = received_at.astimezone(zone)
    remaining = business_days
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day.replace(hour=23, minute=59, second=59, microsecond=0)


def is_overdue(status: str, received_at: datetime, now: datetime, business_days: int) -> bool:
    return status == "new" and now > response_due(received_at, business_days)
