"""The rules that close every /staff route unless one of them opens it, and where a person is
sent instead: the sign-in page, the second step, or a "not allowed" page.

The guards run before any view of `bp` and `admin_bp`, so a new view is protected without doing
anything. Only the endpoints in ANONYMOUS_ENDPOINTS and PASSWORD_STAGE_ENDPOINTS are open wider.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Forbidden

from ..clinic import clinic
from . import labels
from .blueprints import admin_bp, bp
from .identity import clear_session_cookie, current_mfa_enrolled, current_staff, ended_message

SIGN_IN = "staff.sign_in"
# Open to anyone: the page where signing in starts.
ANONYMOUS_ENDPOINTS = frozenset({SIGN_IN})
# Open to a session that has passed the password but not yet the one-time code.
PASSWORD_STAGE_ENDPOINTS = frozenset({"staff.sign_in_code", "staff.enrol", "staff.sign_out"})
# Paths `next` may never point at: sending someone back into sign-in would loop.
_NOT_NEXT = ("/staff/sign-in", "/staff/sign-out", "/staff/enrol")
# Where a stale form token just means "show the page again" rather than an error page.
_RETRY_ON_STALE_FORM = frozenset({SIGN_IN, "staff.sign_in_code", "staff.enrol"})


# --- Where to go next -----------------------------------------------------------------------------


def safe_next(target: str | None) -> str | None:
    """`target` if it is a plain path under /staff/ on this site, else None: never a scheme, a host,
    `//`, a backslash, a dot segment or a control character, even percent-encoded."""
    if not target or len(target) > 2000:
        return None
    decoded = unquote(target)
    for text in (target, decoded):
        if "\\" in text or "//" in text or any(ch.isspace() or ord(ch) < 32 for ch in text):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/"):
        return None
    path = unquote(parts.path)
    if any(segment in (".", "..") for segment in path.split("/")):
        return None
    if path.startswith(_NOT_NEXT):
        return None
    return target


def home_url(target: str | None = None) -> str:
    """Where a signed-in person goes: the safe `next`, or the queue."""
    return safe_next(target) or url_for("staff.queue")


def _requested_path() -> str | None:
    """The page asked for, worth coming back to after sign-in (only a GET can be repeated)."""
    if request.method not in ("GET", "HEAD"):
        return None
    query = request.query_string.decode("utf-8", "replace")
    return safe_next(request.path + (f"?{query}" if query else ""))


def to_sign_in() -> Response:
    """303 to the sign-in page, saying why if a session just ended."""
    ended = g.get("_staff_ended")
    if ended:
        flash(ended_message(*ended), "info")
    return redirect(url_for(SIGN_IN, next=_requested_path()), code=303)


def _to_second_step() -> Response:
    step = "staff.sign_in_code" if current_mfa_enrolled() else "staff.enrol"
    return redirect(url_for(step, next=_requested_path()), code=303)


# --- The guards ---------------------------------------------------------------------------------


def forbidden() -> tuple[str, int]:
    return render_template("staff/forbidden.html"), 403


def _check(admin: bool) -> ResponseReturnValue | None:
    staff = current_staff()
    endpoint = request.endpoint
    if not admin and endpoint in ANONYMOUS_ENDPOINTS:
        if g._staff_ended:
            flash(ended_message(*g._staff_ended), "info")
        return None
    if staff is None:
        return to_sign_in()
    if not admin and endpoint in PASSWORD_STAGE_ENDPOINTS:
        return None
    if not staff.mfa_passed:
        return _to_second_step()
    if admin and not staff.is_admin:
        return forbidden()
    return None


@bp.before_request
def guard_staff() -> ResponseReturnValue | None:
    """Signed in with the one-time code, except the steps of signing in itself."""
    return _check(admin=False)


@admin_bp.before_request
def guard_admin() -> ResponseReturnValue | None:
    """Signed in with the one-time code, and an admin."""
    return _check(admin=True)


def _forget_dead_cookie(response: Response) -> Response:
    if g.get("_staff_clear_cookie"):
        clear_session_cookie(response)
    return response


bp.after_request(_forget_dead_cookie)
admin_bp.after_request(_forget_dead_cookie)


@bp.after_app_request
def no_store(response: Response) -> Response:
    """Nothing under /staff may be kept by a browser or proxy: a shared computer's back button or
    cache must not show PHI after sign-out."""
    if request.path == "/staff" or request.path.startswith("/staff/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _clinic() -> dict[str, object]:
    # Every staff page shows its times in the clinic's zone and says so (base.html).
    return {"clinic": clinic(), "local_time": labels.local_time, "zone_note": labels.zone_note}


bp.context_processor(_clinic)
admin_bp.context_processor(_clinic)


def _forbidden(_: Forbidden) -> tuple[str, int]:
    return forbidden()


def _csrf_failed(_: CSRFError) -> ResponseReturnValue:
    """A form with a missing or stale token. Someone not allowed here anyway is sent where the
    guard would send them; anyone else is asked to try again on a fresh page."""
    blocked = _check(admin=request.blueprint == admin_bp.name)
    if blocked is not None:
        return blocked
    if request.endpoint in _RETRY_ON_STALE_FORM:
        flash("The page had been open for a long time, so please try again.", "error")
        return redirect(request.full_path.rstrip("?"), code=303)
    body = render_template(
        "staff/forbidden.html",
        title="Please try again",
        message="This page had been open for a long time, or you signed in again since it "
        "was opened. Go back, reload the page, and try again.",
    )
    return body, 400


for _blueprint in (bp, admin_bp):
    _blueprint.register_error_handler(403, _forbidden)
    _blueprint.register_error_handler(CSRFError, _csrf_failed)
