"""A month of submissions counted by hand, for the callback report's tests.

Clinic time is America/Chicago (UTC-6 in November); NOW is Monday, November 30 2026, noon.

Week of November 16: 7 routine consultations received Tuesday 9 am, first contacted after
1, 2, 3, 4, 5, 6 and 50 hours (the 50-hour one missed its end-of-Wednesday promise; the 1-hour
one was contacted again later, which does not move its first contact), 5 closed as admitted and
1 as referred; they heard of the clinic by search (5) and from a friend (2). Also 2 urgent
assessments, contacted after 1 and 3 hours (the urgent promise is 2 hours).

Week of November 23 (Thanksgiving is Thursday the 26th): 6 routine consultations received
Wednesday at 8:30 pm and first contacted Friday at 9 am (36.5 hours, within the promise only
because Thanksgiving is not a business day), and 1 received Monday 9 am and never contacted
(overdue since the end of Tuesday).

One more, received in October, falls outside the weeks asked for but inside October's month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from intake_server.storage import SubmissionStore, WorkStore
from tests.helpers.app import Clock
from tests.helpers.staff import staff_member
from tests.helpers.storage import change, sample_payload, store_submission

NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
TUESDAY_9AM = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
MONDAY_9AM = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
WEDNESDAY_EVENING = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
OCTOBER = datetime(2026, 10, 14, 15, 0, tzinfo=UTC)


@dataclass
class Fixture:
    intake: SubmissionStore
    work: WorkStore
    engine: sa.Engine
    clock: Clock

    def add(
        self,
        received: datetime,
        contact_after: float | None = None,
        *,
        kind: str = "consultation",
        urgent: bool = False,
        heard: str | None = None,
        outcome: str | None = None,
        contacted_again: bool = False,
    ) -> str:
        payload = sample_payload(kind)
        if kind == "consultation":
            payload["heard_about"] = heard
        reference = store_submission(self.intake, kind, payload, urgent=urgent)
        change(self.engine, reference, received_at=received)
        actor = self.actor
        if contact_after is not None:
            self.clock.now = received + timedelta(hours=contact_after)
            self.work.set_status(reference, actor, "contacted")
        if contacted_again:
            self.clock.advance(hours=1)
            self.work.set_status(reference, actor, "in_progress")
            self.clock.advance(hours=100)
            self.work.set_status(reference, actor, "contacted")
        if outcome:
            self.clock.advance(hours=2)
            self.work.set_status(reference, actor, "closed", outcome)
        return reference

    def fill(self) -> None:
        self.actor = staff_member(self.engine, "report@clinic.example")
        heard = ["search"] * 5 + ["friend"] * 2
        outcomes = ["admitted"] * 5 + ["referred", None]
        for n, hours in enumerate([1, 2, 3, 4, 5, 6, 50]):
            self.add(
                TUESDAY_9AM,
                hours,
                heard=heard[n],
                outcome=outcomes[n],
                contacted_again=n == 0,
            )
        for hours in (1, 3):
            self.add(TUESDAY_9AM, hours, kind="assessment", urgent=True)
        for _ in range(6):
            self.add(WEDNESDAY_EVENING, 36.5, heard="doctor")
        self.add(MONDAY_9AM)
        self.add(OCTOBER, 2, heard="search")
        self.clock.now = NOW


def filled(engine: sa.Engine, intake: SubmissionStore, work: WorkStore, clock: Clock) -> Fixture:
    """The fixture above, written through the stores (their clock is `clock`)."""
    fixture = Fixture(intake, work, engine, clock)
    fixture.fill()
    return fixture
