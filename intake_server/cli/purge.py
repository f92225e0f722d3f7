"""`flask --app intake_server purge`: the retention policy, run daily from cron."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext

from ..services import services
from ..storage import purge_closed


@click.command(
    "purge",
    short_help="Remove the personal details of long-closed submissions.",
    help="Remove the personal details of closed submissions older than the retention period "
    "(PURGE_AFTER_DAYS, default 365). The rows, their timeline and the audit trail stay.",
)
@click.option(
    "--older-than-days",
    type=click.IntRange(min=1),
    default=None,
    help="Closed more than this many days ago (default: PURGE_AFTER_DAYS).",
)
@click.option("--dry-run", is_flag=True, help="Only list what would be purged; change nothing.")
# A command of its own, not of an AppGroup: it needs the app context pushed for it.
@with_appcontext
def purge(older_than_days: int | None, dry_run: bool) -> None:
    days = older_than_days or services().settings.purge_after_days
    result = purge_closed(
        services().engine,
        older_than=timedelta(days=days),
        clock=services().clock,
        dry_run=dry_run,
    )
    verb = "would purge" if dry_run else "purged"
    click.echo(f"{verb} {result.count} submissions closed more than {days} days ago")
    # References are not PHI; they let an operator check a purge against the dashboard.
    for reference in result.references:
        click.echo(f"  {reference}")
    if not result.wal_emptied:
        click.echo(
            "The database's write-ahead log was busy and still holds old copies of what was "
            "purged; SQLite removes them at its next checkpoint. Run purge again later to be sure.",
            err=True,
        )
