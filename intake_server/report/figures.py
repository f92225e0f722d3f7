"""The report's figures for one period (a week from Monday, or a calendar month, in the
clinic's time zone): how many came in, how long until the first contact, how many were reached
within the promise, how they ended and how people heard about the clinic.

Times to first contact are in hours. The median is the middle value (the mean of the two middle
ones for an even count); the 90th percentile is the nearest rank, the smallest time that at least
90% of the times do not exceed, so it is always a time someone actually waited.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ..business_days import Deadlines
from ..storage import ReportReader, ReportRow

WEEK, MONTH = "week", "month"


def period_start(day: date, period: str) -> date:
    """The Monday of the week, or the first of the month, that `day` falls in."""
    return day - timedelta(days=day.weekday()) if period == WEEK else day.replace(day=1)


def previous_start(start: date, period: str) -> date:
    if period == WEEK:
        return start - timedelta(days=7)
    return (start - timedelta(days=1)).replace(day=1)


def recent_starts(today: date, period: str, count: int) -> list[date]:
    """The starts of the last `count` periods up to the one holding `today`, oldest first."""
    starts = [period_start(today, period)]
    while len(starts) < count:
        starts.append(previous_start(starts[-1], period))
    return starts[::-1]


def nearest_rank(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


@dataclass
class Promise:
    """Those whose first call was due by now (or who were reached), and how many in time."""

    due: int = 0
    kept: int = 0


@dataclass
class Figures:
    period: str
    start: date
    submissions: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    urgent: int = 0
    hours: dict[bool, list[float]] = field(default_factory=lambda: {False: [], True: []})
    promise: dict[bool, Promise] = field(
        default_factory=lambda: {False: Promise(), True: Promise()}
    )
    outcomes: Counter[str] = field(default_factory=Counter)
    heard: Counter[str] = field(default_factory=Counter)

    def add(self, row: ReportRow, deadlines: Deadlines, now: datetime) -> None:
        self.submissions += 1
        self.kinds[row.kind] += 1
        self.urgent += row.urgent
        if row.outcome:
            self.outcomes[row.outcome] += 1
        if row.heard_about:
            self.heard[row.heard_about] += 1
        due = deadlines.response_due(row.received_at, row.urgent)
        promise = self.promise[row.urgent]
        if row.first_contact_at is not None:
            waited = row.first_contact_at - row.received_at
            self.hours[row.urgent].append(waited.total_seconds() / 3600)
            promise.due += 1
            promise.kept += row.first_contact_at <= due
        elif now > due:
            promise.due += 1

    def median(self, urgent: bool) -> float | None:
        values = self.hours[urgent]
        return statistics.median(values) if values else None

    def p90(self, urgent: bool) -> float | None:
        values = self.hours[urgent]
        return nearest_rank(values, 90) if values else None


def figures(
    rows: list[ReportRow], period: str, starts: list[date], deadlines: Deadlines, now: datetime
) -> list[Figures]:
    """One Figures per start (oldest first); rows outside every period are left out."""
    found = {start: Figures(period, start) for start in starts}
    for row in rows:
        start = period_start(deadlines.calendar.local_date(row.received_at), period)
        if start in found:
            found[start].add(row, deadlines, now)
    return list(found.values())


@dataclass(frozen=True)
class Report:
    weeks: list[Figures]
    months: list[Figures]


def build(
    reader: ReportReader, deadlines: Deadlines, now: datetime, weeks: int = 12, months: int = 12
) -> Report:
    """The last `weeks` weeks and `months` months up to now, the current ones included."""
    today = deadlines.calendar.local_date(now)
    week_starts = recent_starts(today, WEEK, weeks)
    month_starts = recent_starts(today, MONTH, months)
    first = min(week_starts + month_starts)
    rows = reader.rows(datetime.combine(first, time(), tzinfo=deadlines.calendar.zone))
    return Report(
        figures(rows, WEEK, week_starts, deadlines, now),
        figures(rows, MONTH, month_starts, deadlines, now),
    )
