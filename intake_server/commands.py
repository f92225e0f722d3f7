"""Operator commands: `flask --app intake_server db upgrade`, `db backup`, `keys generate`,
`keys reencrypt`, `audit verify`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .storage import BackupError, backup_sqlite, generate_key, upgrade
from .storage.rotation import reencrypt_all


def register(app: Flask) -> None:
    app.cli.add_command(db)
    app.cli.add_command(keys)
    app.cli.add_command(audit)
    from .mail_cli import outbox
    from .staff.accounts import staff as staff_accounts
    from .storage.retention import purge_command

    app.cli.add_command(outbox)
    app.cli.add_command(purge_command)
    app.cli.add_command(staff_accounts)


@click.group(help="The database.")
def db() -> None:
    pass


@db.command("upgrade", help="Create or migrate the database schema to the latest version.")
def db_upgrade() -> None:
    upgrade(current_app.config["DATABASE_URL"])
    click.echo("database is up to date")


@db.command(
    "backup",
    help="Write a consistent, verified copy of the SQLite database to DEST (a new file, "
    "owner-only). Safe while the service runs. For PostgreSQL use pg_dump: see docs/deploy.md.",
)
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def db_backup(dest: Path) -> None:
    """VACUUM INTO and an integrity check, so cron gets a backup that restores, or an error."""
    try:
        result = backup_sqlite(current_app.extensions["db_engine"], dest)
    except BackupError as exc:
        click.echo(f"backup failed: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(
        f"backup written to {result.path}: {result.size} bytes, {result.submissions} "
        f"submission{'' if result.submissions == 1 else 's'}, integrity check ok"
    )


@click.group(help="Encryption keys for stored submissions.")
def keys() -> None:
    pass


@keys.command("generate", help="Print a new encryption key (add it first in ENCRYPTION_KEYS).")
def keys_generate() -> None:
    click.echo(generate_key())


@keys.command(
    "reencrypt",
    help="Re-encrypt everything stored encrypted (submissions, staff notes, authenticator "
    "secrets) with the first key in ENCRYPTION_KEYS, so older keys can then be removed.",
)
@click.option("--batch-size", default=500, show_default=True)
@with_appcontext
def keys_reencrypt(batch_size: int) -> None:
    counts = reencrypt_all(
        current_app.extensions["db_engine"], current_app.extensions["keyring"], batch_size
    )
    for column, count in counts.items():
        click.echo(f"re-encrypted {count} values in {column} with the current key")
    click.echo("every encrypted value now uses the first key; older keys may be removed")


@click.group(help="The audit trail.")
def audit() -> None:
    pass


@audit.command("verify", help="Check that no audit entry was changed, removed or reordered.")
def audit_verify() -> None:
    checked, broken_at = current_app.extensions["audit"].verify()
    if broken_at is not None:
        click.echo(
            f"audit chain BROKEN at entry {broken_at} (after {checked} good entries)", err=True
        )
        raise SystemExit(1)
    click.echo(f"audit chain intact: {checked} entries")
