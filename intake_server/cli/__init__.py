"""Operator commands, one module per group, all registered here:

    flask --app intake_server --help

`db` (schema, backups), `keys` (encryption keys), `audit` (verify the trail), `outbox` (notice
mail), `purge` (retention), `report` (how quickly people are called back), `staff` (accounts). Every command runs inside the app's context, so
it reaches the stores through `services()` like any view.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from .audit import audit
    from .db import db
    from .keys import keys
    from .outbox import outbox
    from .purge import purge
    from .report import report
    from .staff import staff

    for command in (db, keys, audit, outbox, purge, report, staff):
        app.cli.add_command(command)
