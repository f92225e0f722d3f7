"""Mail for the tests: a real SMTP server (aiosmtpd) on a loopback port, the settings that point
an app at it, and the outbox's rows read back."""

from __future__ import annotations

import asyncio
import email
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from intake_server.mail.delivery import SendResult, send_due
from intake_server.services import services
from intake_server.storage import enqueue
from intake_server.storage.database import session_factory, writer_session_factory
from intake_server.storage.models import OutboxMessage

INBOX = "intake-team@clinic.example"
DASHBOARD = "https://intake.clinic.example"


class Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.envelopes: list[Any] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=default_policy)
            for e in self.envelopes
        ]


@contextmanager
def smtp_server(port: int, delay: float = 0.0) -> Iterator[Inbox]:
    inbox = Inbox(delay)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def mail_config(port: int) -> dict[str, object]:
    """Settings that send an app's notices to INBOX through the server on `port`."""
    return {
        "INTAKE_INBOX": INBOX,
        "DASHBOARD_URL": DASHBOARD,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_TIMEOUT": 5,
        "MAIL_FROM": "intake@clinic.example",
    }


def send_now(app: Flask, **options: Any) -> SendResult:
    """What cron's `flask outbox send` does: deliver every message due by the app's clock."""
    found = services(app)
    return send_due(found.outbox, found.settings.smtp, **options)


def background_send(app: Flask) -> None:
    """The sender a request starts after a submission, waited for."""
    thread = services(app).send_mail_soon()
    assert thread is not None
    thread.join(timeout=30)
    assert not thread.is_alive()


def outbox_rows(app: Flask) -> list[OutboxMessage]:
    with session_factory(services(app).engine)() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def enqueue_messages(app: Flask, count: int, now: datetime | None = None) -> list[int]:
    """`count` messages to INBOX, queued at `now` (the app's clock by default); their ids."""
    sessions = writer_session_factory(services(app).engine)
    at = now or services(app).clock()
    with sessions.begin() as session:
        return [
            enqueue(session, INBOX, f"Notice {n:03d}", f"Body {n}", now=at).id for n in range(count)
        ]
