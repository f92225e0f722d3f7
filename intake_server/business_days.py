"""The clinic's business days, and the first-call promise counted on them.

A business day is a weekday that is neither a public holiday (the `holidays` package, for
clinic.yml's holidays.country and holidays.subdivision) nor a date in its `closures`. The
promise: an urgent submission is called within a few hours (URGENT_RESPONSE_HOURS), any other by
the end of a business day (RESPONSE_TARGET_BUSINESS_DAYS). One calendar and one promise, so the
overdue mark on the queue, the date on the confirmation page and the report all agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from .clinic import clinic
from .config import Settings

# A business day ends at its last second, in the clinic's own time.
END_OF_DAY = time(23, 59, 59)


class CalendarError(ValueError):
    """clinic.yml names a holiday calendar the `holidays` package does not have."""


@dataclass(frozen=True)
class BusinessCalendar:
    zone: ZoneInfo
    public_holidays: holidays.HolidayBase
    closures: frozenset[date]

    @classmethod
    def from_facts(cls, facts: dict[str, Any]) -> BusinessCalendar:
        """The calendar clinic.yml describes; an unknown country or state is a clear error."""
        chosen = facts.get("holidays") or {}
        country, subdivision = chosen.get("country"), chosen.get("subdivision")
        try:
            public = holidays.country_holidays(country, subdiv=subdivision)
        except NotImplementedError as problem:
            raise CalendarError(
                f"clinic.yml: holidays: no public holiday calendar for country {country!r}"
                f" and subdivision {subdivision!r} ({problem})"
            ) from None
        closures = frozenset(date.fromisoformat(day) for day in facts.get("closures", []))
        return cls(ZoneInfo(facts["timezone"]), public, closures)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.public_holidays and day not in self.closures

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def business_day_end(self, received_at: datetime, business_days: int) -> datetime:
        """The end (clinic time) of the `business_days`-th business day after the day it
        arrived: sent on Wednesday evening before Thanksgiving, one business day is Friday."""
        day = self.local_date(received_at)
        remaining = business_days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_business_day(day):
                remaining -= 1
        return datetime.combine(day, END_OF_DAY, tzinfo=self.zone)


@cache
def calendar() -> BusinessCalendar:
    """The running service's calendar, made once per process from clinic.yml."""
    return BusinessCalendar.from_facts(clinic())


@dataclass(frozen=True)
class Deadlines:
    """The promise, from the settings, on the clinic's one calendar."""

    business_days: int
    urgent_hours: float
    calendar: BusinessCalendar = field(default_factory=calendar)

    @classmethod
    def from_settings(cls, settings: Settings) -> Deadlines:
        return cls(settings.response_target_business_days, settings.urgent_response_hours)

    def response_due(self, received_at: datetime, urgent: bool) -> datetime:
        """When the first call is due."""
        if urgent:
            return received_at + timedelta(hours=self.urgent_hours)
        return self.calendar.business_day_end(received_at, self.business_days)

    def is_overdue(self, status: str, received_at: datetime, urgent: bool, now: datetime) -> bool:
        """Still new (nobody has taken it on) after its first call was due."""
        return status == "new" and now > self.response_due(received_at, urgent)

    def kept(self, received_at: datetime, urgent: bool, contacted_at: datetime) -> bool:
        """Whether a first contact at `contacted_at` kept the promise."""
        return contacted_at <= self.response_due(received_at, urgent)
