"""The application factory: settings, extensions, blueprints, error pages and commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import load_config
from .logs import configure_logging


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    configure_logging((test_config or {}).get("LOG_LEVEL") or os.environ.get("LOG_LEVEL", "INFO"))
    # The package's name, as before this module was split out: templates, instance/ and the logger
    # name all follow it.
    app = Flask(__package__ or "intake_server", instance_relative_config=True)
    app.config.update(load_config(app.instance_path, test_config))
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from .extensions import compress, csrf, limiter
    from .notifications import queue_submission_notice
    from .pages import SiteShells
    from .security import init_security_headers
    from .storage import Keyring, SubmissionStore, make_engine
    from .storage.audit import AuditLog
    from .storage.work import WorkStore

    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    engine = make_engine(app.config["DATABASE_URL"])
    keyring = Keyring.from_string(app.config["ENCRYPTION_KEYS"])
    app.extensions["db_engine"] = engine
    app.extensions["keyring"] = keyring
    # The notice mail is queued in the submission's own transaction: never lost, never a delay.
    app.extensions["intake_store"] = SubmissionStore(
        engine, keyring, on_insert=[queue_submission_notice]
    )
    app.extensions["audit"] = AuditLog(engine)
    app.extensions["work_store"] = WorkStore(engine, keyring)
    app.extensions["site_shells"] = SiteShells(Path(app.config["SITE_DIR"]))
    init_security_headers(app)


def register_blueprints(app: Flask) -> None:
    from . import health, public, site, staff
    from .extensions import csrf

    # The public forms check their own CSRF token, so an expired one can be handled kindly.
    csrf.exempt(public.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(public.bp)
    staff.register(app)
    app.register_blueprint(site.bp)


def register_errorhandlers(app: Flask) -> None:
    from .pages import init_error_pages

    init_error_pages(app)


def register_commands(app: Flask) -> None:
    from .commands import register

    register(app)
