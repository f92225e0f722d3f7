"""When a submission is due a first call, and when it is overdue: an urgent one a few hours after
it arrived (URGENT_RESPONSE_HOURS), any other by the end of a business day in the clinic's own
time (RESPONSE_TARGET_BUSINESS_DAYS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..clinic import clinic
from ..config import Settings


def business_day_end(received_at: datetime, business_days: int) -> datetime:
    """The end of the business day `business_days` working days after receipt, in clinic time."""
    zone = ZoneInfo(clinic()["timezone"])
    day = received_at.astimezone(zone)
    remaining = business_days
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day.replace(hour=23, minute=59, second=59, microsecond=0)


@dataclass(frozen=True)
class Deadlines:
    """The promise, from the settings."""

    business_days: int
    urgent_hours: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Deadlines:
        return cls(settings.response_target_business_days, settings.urgent_response_hours)

    def response_due(self, received_at: datetime, urgent: bool) -> datetime:
        """When the first call is due."""
        if urgent:
            return received_at + timedelta(hours=self.urgent_hours)
        return business_day_end(received_at, self.business_days)

    def is_overdue(self, status: str, received_at: datetime, urgent: bool, now: datetime) -> bool:
        """Still new (nobody has taken it on) after its first call was due."""
        return status == "new" and now > self.response_due(received_at, urgent)
