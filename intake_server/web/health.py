"""Liveness for load balancers and monitors: answers 200 only when the database answers."""

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ..services import services
from ..storage import StorageUnavailable

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        services().submissions.ping()
    except StorageUnavailable:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
