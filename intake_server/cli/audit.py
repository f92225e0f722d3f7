"""`flask --app intake_server audit verify`: proof that the audit trail was not changed."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services import services

audit = AppGroup("audit", help="The audit trail.")


@audit.command("verify", help="Check that no audit entry was changed, removed or reordered.")
def audit_verify() -> None:
    checked, broken_at = services().audit.verify()
    if broken_at is not None:
        click.echo(
            f"audit chain BROKEN at entry {broken_at} (after {checked} good entries)", err=True
        )
        raise SystemExit(1)
    click.echo(f"audit chain intact: {checked} entries")
