"""The web around the features: serving the built site, dressing service pages in its theme,
app-wide error pages, security headers, and the health check."""

from __future__ import annotations

from flask import Flask

from ..config import Settings


def register(app: Flask, settings: Settings) -> None:
    from . import health, site
    from .bodies import refuse_other_bodies
    from .errors import register_error_pages
    from .form_errors import described, error_list, field_error
    from .headers import init_security_headers
    from .language import fact

    app.register_blueprint(health.bp)
    # Last: the site answers every path no other blueprint claims.
    app.register_blueprint(site.bp)
    app.after_request(site.compress_static)
    register_error_pages(app)
    refuse_other_bodies(app)
    init_security_headers(app, settings.site_dir)
    for helper in (field_error, error_list, described, fact):
        app.add_template_global(helper)
