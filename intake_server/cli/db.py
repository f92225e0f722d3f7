"""`flask --app intake_server db upgrade|backup`: the database schema, and verified SQLite copies."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..services import services
from ..storage import BackupError, backup_sqlite, upgrade

db = AppGroup("db", help="The database.")


@db.command("upgrade", help="Create or migrate the database schema to the latest version.")
def db_upgrade() -> None:
    upgrade(services().settings.database_url)
    click.echo("database is up to date")


@db.command(
    "backup",
    help="Write a consistent, verified copy of the SQLite database to DEST (a new file, "
    "owner-only). Safe while the service runs. For PostgreSQL use pg_dump: see docs/deploy.md.",
)
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(dest: Path) -> None:
    """VACUUM INTO and an integrity check, so cron gets a backup that restores, or an error."""
    try:
        result = backup_sqlite(services().engine, dest)
    except BackupError as exc:
        click.echo(f"backup failed: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(
        f"backup written to {result.path}: {result.size} bytes, {result.submissions} "
        f"submission{'' if result.submissions == 1 else 's'}, integrity check ok"
    )
