"""Telling the clinic's inbox that a submission arrived, and its admins that a staff account is
failing to sign in, without putting PHI in an email.

Email leaves the clinic's control (mail servers, phones, forwarding), so a notice says only what
kind of submission came in, whether it is urgent, its reference, and where to read it after signing
in. The language the person wrote in is
there too (metadata, not PHI), so whoever calls back knows to call in Spanish. `notice_hook` queues the notice in the submission's own transaction (an on_insert hook of the
SubmissionStore), so it exists exactly when the submission does; `failed_sign_ins_hook` does the
same for the StaffStore's failed attempts; `delivery.py` sends them later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from ..config import Settings
from ..intake.kinds import KINDS
from ..intake.languages import LANGUAGE_NAMES
from ..storage import FailureHook, InsertHook, Submission, enqueue

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# The staff detail page of one submission, and the audit trail, under DASHBOARD_URL.
DETAIL_PATH = "/staff/submissions/{reference}"
AUDIT_PATH = "/staff/admin/audit"


def detail_url(dashboard_url: str, reference: str) -> str:
    """The dashboard page for one submission; reading it needs a staff sign-in."""
    return dashboard_url.rstrip("/") + DETAIL_PATH.format(reference=quote(reference, safe=""))


def submission_notice(
    kind: str, urgent: bool, reference: str, dashboard_url: str, language: str = "en"
) -> tuple[str, str]:
    """(subject, body) of the notice for a new submission. `dashboard_url` is the link to its
    detail page; `language` is the language of the form it was sent from. Takes no answers at
    all, so no answer can end up in a mail."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    label = KINDS[kind].label.lower()
    spoken = LANGUAGE_NAMES[language]
    in_language = "" if language == "en" else f" ({spoken})"
    subject = f"{'URGENT: ' if urgent else ''}New {label} {reference}{in_language}"
    priority = (
        "URGENT: marked urgent when it arrived. Please read it first." if urgent else "routine"
    )
    body = "\n".join(
        (
            f"A new {label} has arrived.",
            "",
            f"Reference: {reference}",
            f"Priority: {priority}",
            f"Language: {spoken}" + (f" (please call back in {spoken})" if in_language else ""),
            "",
            "Read it in the intake dashboard (staff sign-in needed):",
            dashboard_url,
            "",
            "This email leaves out every personal detail on purpose. Please do not reply to it",
            "or forward it with details added.",
            "",
        )
    )
    return subject, body


def reminder_notice(kind: str, reference: str, minutes: int, dashboard_url: str) -> tuple[str, str]:
    """(subject, body) of the second notice for an urgent submission nobody has claimed yet.
    Like the first, it names no one and quotes nothing."""
    label = KINDS[kind].label.lower()
    subject = f"URGENT, still unclaimed: {label} {reference}"
    body = "\n".join(
        (
            f"An urgent {label} arrived {minutes} minutes ago and nobody has claimed it yet.",
            "",
            f"Reference: {reference}",
            "",
            "Please claim it and call first (staff sign-in needed):",
            dashboard_url,
            "",
            "This is the only reminder. It leaves out every personal detail on purpose.",
            "",
        )
    )
    return subject, body


def notice_hook(settings: Settings) -> InsertHook:
    """The on-insert hook that queues one notice per INTAKE_INBOX address, in the submission's
    own transaction, and for an urgent submission one reminder each, held back for
    URGENT_REMINDER_MINUTES and sent only if nobody has claimed it by then. It reads only the
    settings it was made with, never the app or a request."""
    addresses = settings.intake_inbox
    dashboard_url = settings.dashboard_url
    wait = timedelta(minutes=settings.urgent_reminder_minutes)

    def queue_notice(session: Session, row: Submission) -> None:
        link = detail_url(dashboard_url, row.reference)
        subject, body = submission_notice(row.kind, row.urgent, row.reference, link, row.language)
        for address in addresses:
            enqueue(session, address, subject, body, now=row.received_at)
        if not row.urgent:
            return
        minutes = settings.urgent_reminder_minutes
        subject, body = reminder_notice(row.kind, row.reference, minutes, link)
        for address in addresses:
            enqueue(
                session,
                address,
                subject,
                body,
                now=row.received_at,
                send_at=row.received_at + wait,
                reminder_for=row.id,
            )

    return queue_notice


def failed_sign_ins_notice(account: str, failures: int, dashboard_url: str) -> tuple[str, str]:
    """(subject, body) of the admins' notice that a staff account keeps failing to sign in.
    It names the account and the count; the addresses the attempts came from are in the audit
    trail, behind a sign-in."""
    subject = f"Staff sign-in: {failures} failed attempts for {account}"
    audit = dashboard_url.rstrip("/") + AUDIT_PATH + "?" + urlencode({"actor": account})
    body = "\n".join(
        (
            f"There have been {failures} failed attempts to sign in to the staff account",
            f"{account} since it last signed in.",
            "",
            "If its owner did not make them, someone may be guessing the password. Each",
            "network that fails 5 times in a row is paused, and the owner can still sign in",
            "from their own. Consider asking them to choose a new password.",
            "",
            "When and from which addresses, in the audit trail (admin sign-in needed):",
            audit,
            "",
            "This email holds no health information.",
            "",
        )
    )
    return subject, body


def failed_sign_ins_hook(settings: Settings) -> FailureHook:
    """The StaffStore hook that queues one notice per ADMIN_ALERT_INBOX address, in the failing
    attempt's own transaction."""
    addresses = settings.admin_alert_inbox
    dashboard_url = settings.dashboard_url

    def queue_alert(session: Session, account: str, failures: int, now: datetime) -> None:
        subject, body = failed_sign_ins_notice(account, failures, dashboard_url)
        for address in addresses:
            enqueue(session, address, subject, body, now=now)

    return queue_alert
