"""`flask --app intake_server keys generate|reencrypt`: encryption keys and their rotation."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services import services
from ..storage import generate_key, reencrypt_all

keys = AppGroup("keys", help="Encryption keys for stored submissions.")


@keys.command("generate", help="Print a new encryption key (add it first in ENCRYPTION_KEYS).")
def keys_generate() -> None:
    click.echo(generate_key())


@keys.command(
    "reencrypt",
    help="Re-encrypt everything stored encrypted (submissions, staff notes, authenticator "
    "secrets) with the first key in ENCRYPTION_KEYS, so older keys can then be removed.",
)
@click.option("--batch-size", default=500, show_default=True)
def keys_reencrypt(batch_size: int) -> None:
    counts = reencrypt_all(services().engine, services().keyring, batch_size)
    for column, count in counts.items():
        click.echo(f"re-encrypted {count} values in {column} with the current key")
    click.echo("every encrypted value now uses the first key; older keys may be removed")
