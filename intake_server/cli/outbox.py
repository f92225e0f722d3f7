"""`flask --app intake_server outbox send|status|retry`: the mail outbox for operators and cron.

Cron runs `outbox send` every minute or so, to deliver what the background thread could not
(the mail server was down, or the process stopped). Output holds counts and ids only, never
addresses or message text, since cron mails its output.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..mail.delivery import send_due
from ..services import services
from ..storage import MAX_ATTEMPTS

outbox = AppGroup("outbox", help="The mail outbox (notices to the clinic's inbox).")


@outbox.command("send", help="Send every message that is due, then print the counts.")
def outbox_send() -> None:
    result = send_due(services().outbox, services().settings.smtp)
    click.echo(f"sent {result.sent}, failed {result.failed}, pending {result.pending}")


@outbox.command("status", help="Print pending, due and given-up counts, and list given-up mail.")
def outbox_status() -> None:
    box = services().outbox
    status = box.status()
    click.echo(
        f"pending {status.pending} (due now {status.due}), "
        f"given up {status.given_up}, sent {status.sent}"
    )
    for item in box.given_up():
        click.echo(
            f"  given up: id {item.id}, queued {item.created_at.isoformat(timespec='seconds')}, "
            f"{item.attempts} attempts, last error {item.last_error or '-'}"
        )
    if status.given_up:
        click.echo(
            f"after {MAX_ATTEMPTS} failed attempts; fix the mail settings, then run "
            "`flask --app intake_server outbox retry`"
        )


@outbox.command("retry", help="Try given-up messages again (after fixing the mail settings).")
def outbox_retry() -> None:
    count = services().outbox.retry_given_up()
    click.echo(f"{count} messages will be tried again")
