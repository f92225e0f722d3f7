"""Telling the clinic's inbox that a submission arrived, without putting PHI in an email.

Email leaves the clinic's control (mail servers, phones, forwarding), so a notice says only what
kind of submission came in, whether it is urgent, its reference, and where to read it after signing
in. The notice is queued in the submission's own transaction (`queue_submission_notice`, an
on_insert hook) and sent afterwards (`start_background_send`, or cron running `flask outbox send`),
so a mail server that is slow or down never delays or loses a submission.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import quote

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from .storage.models import Submission
from .storage.outbox import DEFAULT_LEASE, DueMessage, Outbox, enqueue

log = logging.getLogger(__name__)

DEFAULT_DASHBOARD_URL = "http://127.0.0.1:8000"
# The staff detail page of one submission, under DASHBOARD_URL.
DETAIL_PATH = "/staff/submissions/{reference}"
KIND_LABELS = {"consultation": "consultation request", "assessment": "personal assessment"}
# Messages claimed per round; one SMTP connection serves a round.
BATCH_SIZE = 20


# --- The message ---------------------------------------------------------------------------


def detail_url(dashboard_url: str, reference: str) -> str:
    """The dashboard page for one submission; reading it needs a staff sign-in."""
    return dashboard_url.rstrip("/") + DETAIL_PATH.format(reference=quote(reference, safe=""))


def submission_notice(
    kind: str, urgent: bool, reference: str, dashboard_url: str
) -> tuple[str, str]:
    """(subject, body) of the notice for a new submission. `dashboard_url` is the link to its
    detail page. Takes no answers at all, so no answer can end up in a mail."""
    label = KIND_LABELS.get(kind)
    if label is None:
        raise ValueError(f"unknown kind {kind!r}")
    subject = f"{'URGENT: ' if urgent else ''}New {label} {reference}"
    priority = (
        "URGENT: marked urgent when it arrived. Please read it first." if urgent else "routine"
    )
    body = "\n".join(
        (
            f"A new {label} has arrived.",
            "",
            f"Reference: {reference}",
            f"Priority: {priority}",
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


def inbox_addresses(setting: str | Iterable[str] | None) -> list[str]:
    """INTAKE_INBOX as addresses: one, a comma-separated list, or a list. Empty means none."""
    if not setting:
        return []
    parts = setting.split(",") if isinstance(setting, str) else list(setting)
    return [address.strip() for address in parts if address and address.strip()]


def queue_submission_notice(session: Session, row: Submission) -> None:
    """On-insert hook: queue one notice per INTAKE_INBOX address in the submission's transaction,
    so the notice exists exactly when the submission does. No inbox configured: nothing to do.

    Outside an app context (a script storing submissions directly) there are no settings to read:
    the notice is skipped with a warning rather than failing the submission, which staff still
    see in the queue."""
    if not has_app_context():
        log.warning("submission_notice_skipped", extra={"reason": "no_app_context"})
        return
    config = current_app.config
    addresses = inbox_addresses(config.get("INTAKE_INBOX"))
    if not addresses:
        return
    link = detail_url(config.get("DASHBOARD_URL") or DEFAULT_DASHBOARD_URL, row.reference)
    subject, body = submission_notice(row.kind, row.urgent, row.reference, link)
    for address in addresses:
        enqueue(session, address, subject, body)


# --- Sending -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    timeout: float
    mail_from: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        """Read the settings, accepting the strings an environment gives as well as typed values."""
        return cls(
            host=str(config.get("SMTP_HOST") or "127.0.0.1"),
            port=int(config.get("SMTP_PORT") or 25),
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            starttls=_flag(config.get("SMTP_STARTTLS", False)),
            timeout=float(config.get("SMTP_TIMEOUT") or 10),
            mail_from=str(config.get("MAIL_FROM") or "intake@localhost"),
        )


@dataclass(frozen=True)
class SendResult:
    sent: int
    failed: int
    pending: int


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def error_code(exc: BaseException) -> str:
    """What is kept of an error: its class and SMTP code. Server messages can quote addresses."""
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__}:{code}" if code else type(exc).__name__


def build_message(message: DueMessage, settings: SmtpSettings) -> EmailMessage:
    mail = EmailMessage()
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    mail["From"] = settings.mail_from
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at)
    # The same Message-ID on every attempt, so if a retry follows a send whose confirmation was
    # lost, mail clients can tell it is the same notice.
    mail["Message-ID"] = f"<outbox-{message.id}-{int(message.created_at.timestamp())}@{domain}>"
    # RFC 3834: no out-of-office replies to a robot.
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body)
    return mail


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


# Refusals of one message; the connection is still good for the next one.
_MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPResponseException,
    smtplib.SMTPNotSupportedError,
)


def _deliver(
    outbox: Outbox, settings: SmtpSettings, batch: list[DueMessage], deadline: float
) -> tuple[int, int, bool]:
    """Send one claimed batch over one connection: (sent, failed, stop). Messages not tried are
    released, so only real attempts count towards giving up."""
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        code = error_code(exc)
        log.warning("outbox_connect_failed", extra={"error_code": code, "messages": len(batch)})
        for message in batch:
            outbox.mark_failed(message.id, code)
        return 0, len(batch), True
    sent = failed = 0
    try:
        for position, message in enumerate(batch):
            if time.monotonic() > deadline:
                # Near the end of the lease: stop before another sender may claim these.
                outbox.release([m.id for m in batch[position:]])
                return sent, failed, True
            try:
                smtp.send_message(build_message(message, settings))
            except _MESSAGE_ERRORS as exc:
                code = error_code(exc)
                attempts = outbox.mark_failed(message.id, code)
                log.warning(
                    "outbox_message_refused",
                    extra={"outbox_id": message.id, "error_code": code, "attempts": attempts},
                )
                failed += 1
            except (OSError, smtplib.SMTPException) as exc:
                code = error_code(exc)
                outbox.mark_failed(message.id, code)
                outbox.release([m.id for m in batch[position + 1 :]])
                log.warning(
                    "outbox_connection_lost", extra={"outbox_id": message.id, "error_code": code}
                )
                return sent, failed + 1, True
            else:
                outbox.mark_sent(message.id)
                log.info("outbox_sent", extra={"outbox_id": message.id})
                sent += 1
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()
        smtp.close()
    return sent, failed, False


def send_due(
    app: Flask, *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> SendResult:
    """Deliver every message that is due, batch by batch, and mark each sent or failed.

    Stops at the first connection failure (the server is down: no point trying the rest now) and
    before half the claim lease has passed, so a claim never runs out while its sender still
    works. `now` moves the clock for tests; it decides what is due."""
    outbox = Outbox(app.extensions["db_engine"])
    settings = SmtpSettings.from_config(app.config)
    deadline = time.monotonic() + DEFAULT_LEASE.total_seconds() / 2
    sent = failed = 0
    while time.monotonic() < deadline:
        batch = outbox.claim_due(batch_size, now)
        if not batch:
            break
        batch_sent, batch_failed, stop = _deliver(outbox, settings, batch, deadline)
        sent, failed = sent + batch_sent, failed + batch_failed
        if stop:
            break
    return SendResult(sent=sent, failed=failed, pending=outbox.pending_count())


# --- In the background, after a submission --------------------------------------------------


class _BackgroundSender:
    """At most one sending thread per app. A kick while it runs makes it go round once more,
    so a notice queued during a round is not left for cron."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False

    def kick(self) -> threading.Thread:
        with self._lock:
            if self._thread is not None:
                self._again = True
                return self._thread
            self._thread = threading.Thread(target=self._run, name="outbox-send", daemon=True)
            self._thread.start()
            return self._thread

    def _run(self) -> None:
        while True:
            try:
                result = send_due(self._app)
                if result.sent or result.failed:
                    log.info(
                        "outbox_background_send",
                        extra={"sent": result.sent, "failed": result.failed},
                    )
            except Exception as exc:  # a thread has no caller to raise to; cron will retry
                log.error("outbox_background_send_failed", extra={"error_code": error_code(exc)})
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False


def start_background_send(app: Flask) -> threading.Thread | None:
    """Send due mail in a daemon thread and return at once: a request never waits on SMTP.

    Returns the thread (tests join it), or None when INTAKE_INBOX is not set: then no notices
    are queued, so there is nothing for a request to send (cron still sends anything else). If
    the process stops mid-send, the claim lease runs out and the next sender delivers it."""
    if not inbox_addresses(app.config.get("INTAKE_INBOX")):
        return None
    sender = app.extensions.get("outbox_sender")
    if sender is None:
        sender = app.extensions.setdefault("outbox_sender", _BackgroundSender(app))
    return sender.kick()
