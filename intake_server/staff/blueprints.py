"""The staff side's two blueprints: `bp` (/staff) for signed-in staff, `admin_bp` (/staff/admin)
for admins. Views attach to them; `guards.py` closes both before any view runs."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
admin_bp = Blueprint("staff_admin", __name__, url_prefix="/staff/admin")
