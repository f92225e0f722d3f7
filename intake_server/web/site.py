"""Serves the built static site, so one process answers for the site, the forms and the dashboard."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    after_this_request,
    current_app,
    request,
    send_from_directory,
)
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from ..extensions import compress
from ..services import services
from .language import language_prefix, page_language

bp = Blueprint("site", __name__)


def _site_dir() -> Path:
    return services().settings.site_dir


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
def page(path: str) -> Response:
    after_this_request(compress_whole)
    site = _site_dir()
    # Joined safely before anything looks at the disk: a path that leaves the site (`..`, an
    # absolute path, a backslash) is a 404 like any other missing page, never a hint.
    inside = safe_join(str(site), path)
    if inside is None:
        abort(404)
    if path == "" or path.endswith("/"):
        path += "index.html"
    elif Path(inside).is_dir():
        # /guide -> /guide/ so the page's relative links resolve.
        return current_app.redirect("/" + path + "/", 308)
    try:
        response = send_from_directory(site, path)
    except NotFound:
        abort(404)
    fingerprinted = "/assets/" in "/" + path and any(c.isdigit() for c in path.rsplit(".", 2)[-2])
    response.headers["Cache-Control"] = (
        "public, max-age=31536000, immutable" if fingerprinted else "no-cache"
    )
    return response


def compress_whole(response: Response) -> Response:
    """Compressed as the browser asks, for a response that may be: whole only, since a part sent
    for a Range request must stay the exact bytes it says it is."""
    return compress.after_request(response) if response.status_code == 200 else response


def compress_static(response: Response) -> Response:
    """The service's own CSS and JavaScript (intake_server/static/) are compressed like the
    site's files: fixed files with nothing secret or typed in them."""
    return compress_whole(response) if request.endpoint == "static" else response


def not_found_page() -> Response:
    """The site's own helpful 404 page (phone, crisis help, main pages), in the language of the
    address asked for: a missing /es/ address gets the Spanish one (es/404.html)."""
    page = language_prefix(page_language()).lstrip("/") + "/404.html"
    response = send_from_directory(_site_dir(), page.lstrip("/"))
    response.status_code = 404
    response.headers["Cache-Control"] = "no-cache"
    return response
