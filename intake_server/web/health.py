"""Health for load balancers and monitors: 200 only when the database answers and a write to it
commits; otherwise 503, saying which part failed."""

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ..services import services
from ..storage import StorageUnavailable

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    parts = {"database": "ok", "writes": "ok"}
    try:
        services().submissions.ping()
    except StorageUnavailable:
        # A write would only wait for the same timeout again.
        parts = {"database": "unreachable", "writes": "not checked"}
    else:
        try:
            services().health.check()
        except StorageUnavailable:
            parts["writes"] = "failing"
    healthy = parts == {"database": "ok", "writes": "ok"}
    return jsonify(status="ok" if healthy else "unavailable", **parts), 200 if healthy else 503
