"""The two kinds of submission, and every name each one goes by: one table for the forms, the
staff dashboard, the notice mail and the FHIR export, so no two places can name a kind apart."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Kind:
    key: str
    # What staff and the notice mail call it.
    label: str
    # The form page's title, as the person reads it (in the page's language).
    title: str
    # The confirmation page's title.
    received_title: str
    # Where the English form is served (the site has a page of the same path; the Spanish
    # form and page are at the same path under /es).
    path: str
    # The full name, for the FHIR Questionnaire.
    formal_title: str


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            key="consultation",
            label="Consultation request",
            title=_l("Request a free consultation"),
            received_title=_l("Request received"),
            path="/consultation/",
            formal_title="Request a free consultation",
        ),
        Kind(
            key="assessment",
            label="Personal assessment",
            title=_l("Your personal assessment"),
            received_title=_l("Assessment received"),
            path="/assessment/",
            formal_title="Personal assessment (treatment plan, part one)",
        ),
    )
}
