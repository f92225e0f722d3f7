"""The application factory: settings, services, extensions, blueprints, error pages, commands.

Each feature package registers itself (`register(app, ...)`): the public forms (`intake`), the
staff dashboard (`staff`), and last the site, health check, error pages and headers (`web`),
whose catch-all serves the built site.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, intake, staff, web
from .business_days import calendar
from .config import Settings, load_settings
from .extensions import babel, compress, csrf, limiter
from .logs import configure_logging
from .services import EXTENSION, Services
from .storage import Clock, utc_now
from .web.language import page_language


def create_app(test_config: dict[str, Any] | None = None, *, clock: Clock = utc_now) -> Flask:
    """The service. `test_config` overrides settings by their environment names; `clock` is
    where every store reads the time."""
    # JSON lines from the first message on (a development secret being made); the level follows
    # the settings once they are read.
    configure_logging("INFO")
    app = Flask("intake_server", instance_relative_config=True)
    settings = load_settings(
        app.instance_path,
        test_config,
        # `flask --app intake_server ...` builds the app inside a click command.
        operator_command=click.get_current_context(silent=True) is not None,
    )
    configure_logging(settings.log_level)
    calendar()  # a holiday calendar clinic.yml names wrongly stops the start, not a page
    app.config.update(settings.flask_config())
    if settings.proxy_count:
        n = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    register_extensions(app, settings, clock)
    intake.register(app)
    staff.register(app, settings)
    web.register(app, settings)
    cli.register(app)
    return app


def register_extensions(app: Flask, settings: Settings, clock: Clock) -> None:
    babel.init_app(app, locale_selector=page_language)
    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    app.extensions[EXTENSION] = Services.create(settings, clock)
