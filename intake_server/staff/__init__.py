"""The staff dashboard: where PHI is read, so every route is closed unless a rule opens it.

`bp` (/staff) lets in only signed-in staff, except the sign-in steps themselves; `admin_bp`
(/staff/admin) lets in only admins. The checks run before any view, so a view that forgets a
decorator is still protected.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("staff", __name__, url_prefix="/staff")
admin_bp = Blueprint("staff_admin", __name__, url_prefix="/staff/admin")


def register(app: Flask) -> None:
    # Importing the view modules attaches their routes and guards to the blueprints.
    from . import access, auth_views, exports_views, queue_views  # noqa: F401

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
