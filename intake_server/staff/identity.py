"""Who is asking: the staff session behind the cookie, the cookie itself, and the words for a
session that ended. Views and guards read the person from here, never from the cookie."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Response, g, request

from ..services import services
from ..storage import Actor, SessionPolicy, session_id_for


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


def session_policy() -> SessionPolicy:
    """The session rules every check applies, from the settings."""
    settings = services().settings
    return SessionPolicy(
        idle=timedelta(minutes=settings.staff_idle_minutes),
        lifetime=timedelta(hours=settings.staff_session_hours),
        mfa_required=settings.mfa_required,
    )


# --- The cookie --------------------------------------------------------------------------------


def cookie_name() -> str:
    """`__Host-` makes the browser refuse the cookie unless Secure, Path=/ and host-only."""
    return "__Host-staff" if services().settings.production else "staff"


def _cookie_attributes() -> dict[str, Any]:
    """The same attributes to set and to delete the cookie: a browser keeps a cookie that a
    deletion with other attributes does not match."""
    return {
        "path": "/",
        "secure": services().settings.production,
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
    check = services().staff.check_session(session_id, session_policy()) if session_id else None
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
    settings = services().settings
    if not was_full:
        if reason == "revoked":
            return "Please sign in again."
        return "Signing in took too long, so it was stopped. Please start again."
    if reason == "idle":
        return (
            f"You were signed out after {_amount(settings.staff_idle_minutes, 'minute')} without "
            "activity. "
            "Please sign in again."
        )
    if reason == "lifetime":
        return (
            f"You were signed out because you had been signed in for "
            f"{_amount(settings.staff_session_hours, 'hour')}. Please sign in again."
        )
    return "You were signed out. Please sign in again."


def _amount(value: float, unit: str) -> str:
    shown = f"{value:g}"
    return f"{shown} {unit}" + ("" if shown == "1" else "s")
