"""The clinic intake service: the static site, the public forms and the staff dashboard.

The package itself imports nothing heavy: the site build reads the clinic's facts through
`intake_server.clinic` and should not pay for Flask, SQLAlchemy and cryptography.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None, **options: Any) -> Flask:
    """The application factory (see intake_server.app); `flask --app intake_server` finds it."""
    from .app import create_app as factory

    return factory(test_config, **options)
