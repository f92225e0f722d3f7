"""Who is asking, and whether they may: the staff session behind the cookie, and the guards that
close every /staff route unless a rule here opens it.

The guards run before any view of `bp` and `admin_bp`, so a new view is protected without doing
anything. Only the endpoints in ANONYMOUS_ENDPOINTS and PASSWORD_STAGE_ENDPOINTS are open wider.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Forbidden

from ..clinic import clinic
from ..config import ConfigError
from ..storage.audit import Actor
from ..storage.staff import SessionPolicy, StaffStore, session_id_for
from . import admin_bp, bp

log = logging.getLogger(__name__)

IDLE_MINUTES = 15
SESSION_HOURS = 12
SIGN_IN_LIMIT = "10 per minute;100 per hour"

SIGN_IN = "staff.sign_in"
# Open to anyone: the page where signing in starts.
ANONYMOUS_ENDPOINTS = frozenset({SIGN_IN})
# Open to a session that has passed the password but not yet the one-time code.
PASSWORD_STAGE_ENDPOINTS = frozenset({"staff.sign_in_code", "staff.enrol", "staff.sign_out"})
# Paths `next` may never point at: sending someone back into sign-in would loop.
_NOT_NEXT = ("/staff/sign-in", "/staff/sign-out", "/staff/enrol")
# Where a stale form token just means "show the page again" rather than an error page.
_RETRY_ON_STALE_FORM = frozenset({SIGN_IN, "staff.sign_in_code", "staff.enrol"})


@dataclass(frozen=True)
class StaffIdentity:
    """The signed-in person, as views and templates see them (g.staff)."""

    id: int
    email: str
    role: str
    mfa_passed: bool
    session_id: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


# --- Settings ----------------------------------------------------------------------------------


def _positive(app: Flask, name: str, default: float) -> float:
    value = app.config.get(name, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, not {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{name} must be more than 0, not {value!r}")
    return number


def idle_minutes() -> float:
    return _positive(current_app, "STAFF_IDLE_MINUTES", IDLE_MINUTES)


def session_hours() -> float:
    return _positive(current_app, "STAFF_SESSION_HOURS", SESSION_HOURS)


def mfa_required(app: Flask | None = None) -> bool:
    """MFA may be skipped only on a development machine that asks for it; never in production."""
    config = (app or current_app).config
    return not (
        config.get("INTAKE_ENV") == "development" and bool(config.get("STAFF_MFA_OPTIONAL"))
    )


def session_policy() -> SessionPolicy:
    return SessionPolicy(
        idle=timedelta(minutes=idle_minutes()),
        lifetime=timedelta(hours=session_hours()),
        mfa_required=mfa_required(),
    )


def sign_in_limit() -> str:
    """Per client address, on the POST of each sign-in step (Flask-Limiter syntax)."""
    return str(current_app.config.get("STAFF_SIGN_IN_LIMIT", SIGN_IN_LIMIT))


def _check_settings(state: BlueprintSetupState) -> None:
    """Refuse to start with a setting that would break every sign-in, not at the first one."""
    app = state.app
    _positive(app, "STAFF_IDLE_MINUTES", IDLE_MINUTES)
    _positive(app, "STAFF_SESSION_HOURS", SESSION_HOURS)
    if app.config.get("STAFF_MFA_OPTIONAL") and mfa_required(app):
        log.warning("STAFF_MFA_OPTIONAL is ignored outside development: MFA stays required")
    elif not mfa_required(app):
        log.warning("staff MFA is switched off (development only)")


bp.record_once(_check_settings)


def staff_store() -> StaffStore:
    """The app's repository of staff accounts and sessions, made on first use."""
    extensions = current_app.extensions
    if "staff_store" not in extensions:
        extensions.setdefault(
            "staff_store", StaffStore(extensions["db_engine"], extensions["keyring"])
        )
    store: StaffStore = extensions["staff_store"]
    return store


# --- The cookie --------------------------------------------------------------------------------


def cookie_name() -> str:
    """`__Host-` makes the browser refuse the cookie unless Secure, Path=/ and host-only."""
    return "__Host-staff" if current_app.config.get("SESSION_COOKIE_SECURE") else "staff"


def _cookie_attributes() -> dict[str, Any]:
    """The same attributes to set and to delete the cookie: a browser keeps a cookie that a
    deletion with other attributes does not match."""
    return {
        "path": "/",
        "secure": bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        "httponly": True,
        "samesite": "Strict",
    }


def set_session_cookie(response: Response, token: str) -> Response:
    """No Max-Age: the browser forgets the cookie when it closes; the server ends it earlier."""
    response.set_cookie(cookie_name(), token, **_cookie_attributes())
    g._staff_clear_cookie = False
    return response


def clear_session_cookie(response: Response) -> Response:
    response.delete_cookie(cookie_name(), **_cookie_attributes())
    g._staff_clear_cookie = False
    return response


# --- Who is asking ------------------------------------------------------------------------------


def current_staff() -> StaffIdentity | None:
    """The person behind this request's cookie (possibly only part-way through signing in)."""
    if "_staff_loaded" not in g:
        _load()
    staff: StaffIdentity | None = g.staff
    return staff


def current_actor() -> Actor:
    """Who to name in an audit entry for this request."""
    staff = current_staff()
    return Actor(
        id=staff.id if staff else None,
        email=staff.email if staff else None,
        client_addr=request.remote_addr,
    )


def current_mfa_enrolled() -> bool:
    """Whether the signed-in account has a confirmed authenticator (for the code/enrol steps)."""
    current_staff()
    return bool(g.get("_staff_mfa_enrolled"))


def _load() -> None:
    g._staff_loaded = True
    g.staff = None
    g._staff_ended = None
    token = request.cookies.get(cookie_name())
    if token is None:
        return
    session_id = session_id_for(token)
    check = staff_store().check_session(session_id, session_policy()) if session_id else None
    if check is None or check.session is None:
        # Whatever the cookie held, it opens nothing now: tell the browser to forget it.
        g._staff_clear_cookie = True
        if check is not None and check.ended:
            g._staff_ended = (check.ended, check.was_full)
        return
    live = check.session
    g.staff = StaffIdentity(live.user_id, live.email, live.role, live.mfa_passed, live.id)
    g._staff_mfa_enrolled = live.mfa_enrolled


def ended_message(reason: str, was_full: bool) -> str:
    """Why someone is back at the sign-in page, in their words."""
    if not was_full:
        if reason == "revoked":
            return "Please sign in again."
        return "Signing in took too long, so it was stopped. Please start again."
    if reason == "idle":
        return (
            f"You were signed out after {_amount(idle_minutes(), 'minute')} without activity. "
            "Please sign in again."
        )
    if reason == "lifetime":
        return (
            f"You were signed out because you had been signed in for "
            f"{_amount(session_hours(), 'hour')}. Please sign in again."
        )
    return "You were signed out. Please sign in again."


def _amount(value: float, unit: str) -> str:
    shown = f"{value:g}"
    return f"{shown} {unit}" + ("" if shown == "1" else "s")


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
    return {"clinic": clinic()}


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
