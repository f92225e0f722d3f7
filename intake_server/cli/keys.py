"""`flask --app intake_server keys generate|reencrypt|reindex`: encryption keys, their rotation, and
the blind indexes derived from the first key."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services import services
from ..storage import generate_key, rederive_all, reencrypt_all

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
    # The blind indexes are keyed by the first key too: re-key them in the same run.
    _reindex(batch_size)
    click.echo("every encrypted value now uses the first key; older keys may be removed")


@keys.command(
    "reindex",
    help="Fill the columns derived from each submission (contact preference, and the blind "
    "indexes of phone and email that find possible duplicates) with the first key in "
    "ENCRYPTION_KEYS. Run once after upgrading to revision 0006; safe to run again.",
)
@click.option("--batch-size", default=500, show_default=True)
def keys_reindex(batch_size: int) -> None:
    _reindex(batch_size)


def _reindex(batch_size: int) -> None:
    count = rederive_all(services().engine, services().keyring, batch_size)
    click.echo(f"re-indexed {count} submissions with the current key")
