"""One way to reach each service: the stores, the audit log, the outbox, the keyring, the page
shells and the settings, made once by the application factory and read with `services()`.

Views and commands never build a store or read app.extensions themselves; tests build their own
`Services` (with a clock they move by hand) through the same `create`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import Engine

from .config import Settings
from .mail.background import BackgroundSender
from .mail.delivery import send_due
from .mail.notices import failed_sign_ins_hook, notice_hook
from .storage import (
    AuditLog,
    Clock,
    ExportReader,
    Keyring,
    Outbox,
    ReportReader,
    StaffStore,
    SubmissionStore,
    WorkStore,
    WriteProbe,
    make_engine,
    utc_now,
)
from .web.shells import SiteShells

EXTENSION = "intake_services"


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    engine: Engine
    keyring: Keyring
    submissions: SubmissionStore
    work: WorkStore
    staff: StaffStore
    audit: AuditLog
    outbox: Outbox
    exports: ExportReader
    reports: ReportReader
    health: WriteProbe
    shells: SiteShells
    # Sends notices right after they are queued; None when there is no inbox to send to.
    mail_sender: BackgroundSender | None

    @classmethod
    def create(cls, settings: Settings, clock: Clock = utc_now) -> Services:
        engine = make_engine(settings.database_url)
        keyring = Keyring.from_string(settings.encryption_keys)
        outbox = Outbox(engine, clock)
        sender = (
            BackgroundSender(lambda: send_due(outbox, settings.smtp), outbox.next_due, clock)
            if settings.sends_mail
            else None
        )
        return cls(
            settings=settings,
            clock=clock,
            engine=engine,
            keyring=keyring,
            # The notice mail is queued in the submission's own transaction: never lost.
            submissions=SubmissionStore(
                engine,
                keyring,
                clock=clock,
                on_insert=[notice_hook(settings)] if settings.intake_inbox else [],
            ),
            work=WorkStore(engine, keyring, clock),
            staff=StaffStore(
                engine,
                keyring,
                clock,
                on_repeated_failures=[failed_sign_ins_hook(settings)]
                if settings.admin_alert_inbox
                else [],
            ),
            audit=AuditLog(engine, clock),
            outbox=outbox,
            exports=ExportReader(engine, keyring),
            reports=ReportReader(engine, keyring),
            health=WriteProbe(engine, clock),
            shells=SiteShells(settings.site_dir),
            mail_sender=sender,
        )

    def send_mail_soon(self) -> threading.Thread | None:
        """Deliver queued notices in the background now (the thread, for tests to join)."""
        return self.mail_sender.kick() if self.mail_sender else None


def services(app: Flask | None = None) -> Services:
    """The services of `app`, or of the app handling this request or command."""
    found: Services = (app or current_app).extensions[EXTENSION]
    return found
