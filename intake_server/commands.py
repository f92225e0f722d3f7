"""Operator commands: `flask --app intake_server db upgrade`, `keys generate`, `keys reencrypt`."""

from __future__ import annotations

import click
from flask import Flask, current_app

from .storage import generate_key, upgrade


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


@click.group(help="Encryption keys for stored submissions.")
def keys() -> None:
    pass


@keys.command("generate", help="Print a new encryption key (add it first in ENCRYPTION_KEYS).")
def keys_generate() -> None:
    click.echo(generate_key())


@keys.command(
    "reencrypt",
    help="Re-encrypt every stored submission with the first key in ENCRYPTION_KEYS, "
    "so older keys can then be removed.",
)
@click.option("--batch-size", default=500, show_default=True)
def keys_reencrypt(batch_size: int) -> None:
    count = current_app.extensions["intake_store"].reencrypt_all(batch_size=batch_size)
    click.echo(f"re-encrypted {count} submissions with the current key")


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
