"""Liveness for load balancers and monitors: answers 200 only when the database answers."""

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from .storage import StorageUnavailable

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        current_app.extensions["intake_store"].ping()
    except StorageUnavailable:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
