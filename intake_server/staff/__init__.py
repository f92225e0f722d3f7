"""The staff dashboard: where PHI is read, so every route is closed unless a rule opens it.

`blueprints.py` defines `bp` (/staff, signed-in staff) and `admin_bp` (/staff/admin, admins);
`guards.py` closes both before any view runs; `identity.py` says who is asking. The views:
`auth_views.py` (signing in and out, sessions), `queue_views.py` (the queue and one submission),
`export_views.py` (CSV and FHIR downloads), `report_views.py` (how quickly people are called
back). `labels.py` words what staff see, from the forms.
"""

from __future__ import annotations

import logging

from flask import Flask

from ..config import Settings

log = logging.getLogger(__name__)


def register(app: Flask, settings: Settings) -> None:
    # Importing the view modules attaches their routes and guards to the blueprints.
    from . import auth_views, export_views, guards, queue_views, report_views  # noqa: F401
    from .blueprints import admin_bp, bp

    if settings.staff_mfa_optional and settings.mfa_required:
        log.warning("STAFF_MFA_OPTIONAL is ignored outside development: MFA stays required")
    elif not settings.mfa_required:
        log.warning("staff MFA is switched off (development only)")
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
