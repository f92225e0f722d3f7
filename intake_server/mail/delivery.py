"""Sending the outbox's mail over SMTP, batch by batch, for the background sender and cron.

Delivery is at least once: a message is claimed (leased) before it is sent and marked sent after,
so a sender that dies mid-send leaves it to come due again. Errors are kept as a class name and an
SMTP code only, since a server's message text can quote addresses.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from ..config import SmtpSettings
from ..storage import DEFAULT_LEASE, DueMessage, Outbox

log = logging.getLogger(__name__)

# Messages claimed per round; one SMTP connection serves a round.
BATCH_SIZE = 20


@dataclass(frozen=True)
class SendResult:
    sent: int
    failed: int
    pending: int


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


def send_due(outbox: Outbox, settings: SmtpSettings, *, batch_size: int = BATCH_SIZE) -> SendResult:
    """Deliver every message that is due (by the outbox's clock), batch by batch, and mark each
    sent or failed.

    Stops at the first connection failure (the server is down: no point trying the rest now) and
    before half the claim lease has passed, so a claim never runs out while its sender still
    works."""
    deadline = time.monotonic() + DEFAULT_LEASE.total_seconds() / 2
    sent = failed = 0
    while time.monotonic() < deadline:
        batch = outbox.claim_due(batch_size)
        if not batch:
            break
        batch_sent, batch_failed, stop = _deliver(outbox, settings, batch, deadline)
        sent, failed = sent + batch_sent, failed + batch_failed
        if stop:
            break
    return SendResult(sent=sent, failed=failed, pending=outbox.pending_count())
