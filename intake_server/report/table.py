"""The report's columns, the same on the page and in the CSV, with small cells suppressed: a
count under 5, a time worked out from fewer than 5 people and a share of fewer than 5 people all
read "fewer than 5", so no cell can point at one person."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from ..intake.forms import choice_labels
from ..intake.kinds import KINDS
from ..storage import OUTCOMES
from .figures import WEEK, Figures

SMALL = 5
FEWER = "fewer than 5"
SUBMISSIONS = "Submissions"
CONTACT = "Time to first contact"
OUTCOME = "How they ended"
HEARD = "How people heard about us"
SECTIONS = (SUBMISSIONS, CONTACT, OUTCOME, HEARD)


def count(n: int) -> str:
    return FEWER if n < SMALL else str(n)


def hours(value: float | None, people: int) -> str:
    return FEWER if value is None or people < SMALL else f"{value:.1f}"


def share(figures: Figures, urgent: bool) -> str:
    promise = figures.promise[urgent]
    return FEWER if promise.due < SMALL else f"{round(100 * promise.kept / promise.due)}%"


def period_label(period: str, start: date) -> str:
    """ "Week of Monday, November 23, 2026" or "November 2026"."""
    if period == WEEK:
        return f"Week of {start:%A}, {start:%B} {start.day}, {start.year}"
    return f"{start:%B} {start.year}"


@dataclass(frozen=True)
class Column:
    key: str  # the CSV's header
    label: str  # the page's header
    section: str
    cell: Callable[[Figures], str]


def _timing(urgent: bool) -> list[Column]:
    which = "urgent" if urgent else "routine"
    Which = which.capitalize()
    return [
        Column(
            f"{which}_median_hours",
            f"{Which}: median hours",
            CONTACT,
            lambda f: hours(f.median(urgent), len(f.hours[urgent])),
        ),
        Column(
            f"{which}_p90_hours",
            f"{Which}: 90th percentile hours",
            CONTACT,
            lambda f: hours(f.p90(urgent), len(f.hours[urgent])),
        ),
        Column(
            f"{which}_within_promise",
            f"{Which}: reached within the promise",
            CONTACT,
            lambda f: share(f, urgent),
        ),
    ]


def columns(outcome_labels: Mapping[str, str] | None = None) -> list[Column]:
    """Every column after the period's, in order. `outcome_labels` words the outcomes on the
    page (the dashboard's own labels); the CSV uses the keys."""
    outcome_labels = outcome_labels or {}
    found = [Column("submissions", "All", SUBMISSIONS, lambda f: count(f.submissions))]
    found += [
        Column(kind, KINDS[kind].label, SUBMISSIONS, lambda f, k=kind: count(f.kinds[k]))
        for kind in KINDS
    ]
    found.append(Column("urgent", "Urgent", SUBMISSIONS, lambda f: count(f.urgent)))
    found += _timing(False) + _timing(True)
    found += [
        Column(
            f"outcome_{o}", outcome_labels.get(o, o), OUTCOME, lambda f, o=o: count(f.outcomes[o])
        )
        for o in OUTCOMES
    ]
    found += [
        Column(f"heard_{key}", label, HEARD, lambda f, k=key: count(f.heard[k]))
        for key, label in choice_labels("consultation", "heard_about").items()
    ]
    return found
