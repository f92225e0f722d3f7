"""Signing in (password, then a one-time code), first-time authenticator enrolment, signing out,
and the admins' list of signed-in sessions.

Each step that succeeds issues a new session cookie, so a token seen before sign-in (or between
the steps) is worthless after it. Failures are reported the same way whether or not the email
belongs to an account; the audit trail records the real reason.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from typing import Any

import pyotp
import segno
from flask import Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import TooManyRequests

from ..clinic import clinic
from ..extensions import csrf, limiter
from ..services import services
from ..storage import SessionPolicy, StepResult
from .blueprints import admin_bp, bp
from .forms import CodeForm, SignInForm
from .guards import home_url, safe_next
from .identity import (
    StaffIdentity,
    clear_session_cookie,
    current_actor,
    current_mfa_enrolled,
    current_staff,
    session_policy,
    set_session_cookie,
)

WRONG_CREDENTIALS = "The email address or password is not right. Check them and try again."
WRONG_CODE = (
    "That code is not right. Check the code in your authenticator app and try again. "
    "If it changed while you were typing, use the new one."
)
REUSED_CODE = "That code was already used. Wait for your app to show a new code, then enter it."
START_AGAIN = "Signing in took too long, so it was stopped. Please start again."
ENROLLED = "Your authenticator app is set up. From now on, sign in with a code from it."
_SESSION_ID = re.compile(r"[0-9a-f]{64}")
# StaffStore.sign_in_code or .confirm_enrolment: (session id, code, client address, policy).
CodeCheck = Callable[[str, str, str | None, SessionPolicy], StepResult]


# --- Helpers ----------------------------------------------------------------------------------


def _signed_in(result: StepResult, destination: str) -> Response:
    """Send the person on with their new session cookie and a new form token."""
    assert result.token
    session.pop("csrf_token", None)
    response = redirect(destination, code=303)
    return set_session_cookie(response, result.token)


def _start_again() -> Response:
    flash(START_AGAIN, "info")
    response = redirect(url_for("staff.sign_in", next=safe_next(request.args.get("next"))), 303)
    return clear_session_cookie(response)


def _wait_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second" + ("" if seconds == 1 else "s")
    minutes = -(-seconds // 60)
    return f"{minutes} minute" + ("" if minutes == 1 else "s")


def _paused(result: StepResult) -> str:
    """The same words whether or not the email has an account: the pause is for this email from
    this network, and says nothing about the account."""
    return (
        "There have been too many attempts to sign in with this email address from your "
        f"network, so signing in with it is paused. Try again in "
        f"{_wait_words(result.retry_after or 1)}."
    )


def _tell_admins_soon(result: StepResult) -> None:
    """A failure that reached the admins' alert queued a notice: send it now, not at cron's turn."""
    if result.alerted:
        services().send_mail_soon()


def _clear_code(form: CodeForm) -> None:
    form.code.data = ""
    form.code.raw_data = []


def _code_failed(form: CodeForm, result: StepResult) -> int:
    """Put the failure next to the field; returns the HTTP status to answer with."""
    _tell_admins_soon(result)
    _clear_code(form)
    if result.reason == "throttled":
        form.code.errors.append(_paused(result))
        return 429
    form.code.errors.append(REUSED_CODE if result.reason == "reused_code" else WRONG_CODE)
    return 200


def qr_image(uri: str) -> str:
    """The provisioning URI as a QR code, an SVG inside a data: URI (allowed by the CSP's img-src)
    so the secret never sits at a URL of its own that a cache or a log could keep."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", scale=5, border=4, dark="#000", light="#fff", xmldecl=False
    )
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def sign_in_limit() -> str:
    """Per client address, on the POST of each sign-in step (Flask-Limiter syntax)."""
    return services().settings.staff_sign_in_limit


def _issuer() -> str:
    return f"{clinic()['name']} intake"


# --- Signing in ------------------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
def sign_in() -> ResponseReturnValue:
    target = safe_next(request.args.get("next"))
    staff = current_staff()
    if staff is not None and staff.mfa_passed:
        return redirect(home_url(target), code=303)
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        result = services().staff.sign_in_password(
            form.email.data or "",
            form.password.data or "",
            request.remote_addr,
            session_policy(),
            replacing=staff.session_id if staff else None,
        )
        if result.ok:
            if result.mfa_passed:
                destination = home_url(target)
            else:
                step = "staff.enrol" if result.needs_enrolment else "staff.sign_in_code"
                destination = url_for(step, next=target)
            return _signed_in(result, destination)
        _tell_admins_soon(result)
        if result.reason == "throttled":
            form.password.errors.append(_paused(result))
            status = 429
        else:
            form.password.errors.append(WRONG_CREDENTIALS)
    elif request.method == "POST":
        status = 400
    return render_template("staff/sign_in.html", form=form, next=target), status


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
def sign_in_code() -> ResponseReturnValue:
    return _code_page(
        "staff.sign_in_code", "staff/sign_in_code.html", services().staff.sign_in_code
    )


@bp.route("/enrol", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
def enrol() -> ResponseReturnValue:
    return _code_page(
        "staff.enrol",
        "staff/enrol.html",
        services().staff.confirm_enrolment,
        setup=_enrolment_setup,
        success_message=ENROLLED,
    )


def _enrolment_setup(staff: StaffIdentity) -> dict[str, Any] | None:
    """What the page shows to set the app up (a QR code, and the secret in groups of four to
    type instead), or None when this session holds no secret to enrol."""
    secret = services().staff.enrolment_secret(staff.session_id)
    if secret is None:
        return None
    uri = pyotp.TOTP(secret).provisioning_uri(name=staff.email, issuer_name=_issuer())
    return {
        "qr": qr_image(uri),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "issuer": _issuer(),
    }


def _code_page(
    here: str,
    template: str,
    check: CodeCheck,
    *,
    setup: Callable[[StaffIdentity], dict[str, Any] | None] = lambda _: {},
    success_message: str | None = None,
) -> ResponseReturnValue:
    """The code step and enrolment are one page that differ only in the store's check, the
    template, and what enrolment shows to set the app up (`setup`; None means start again)."""
    staff = current_staff()
    assert staff is not None  # the guard lets only a signed-in session get here
    target = safe_next(request.args.get("next"))
    if staff.mfa_passed:
        return redirect(home_url(target), code=303)
    # Each of the two pages serves only the accounts that need it.
    step = "staff.sign_in_code" if current_mfa_enrolled() else "staff.enrol"
    if step != here:
        return redirect(url_for(step, next=target), code=303)
    extra = setup(staff)
    if extra is None:
        return _start_again()
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        result = check(
            staff.session_id, form.code.data or "", request.remote_addr, session_policy()
        )
        if result.ok:
            if success_message:
                flash(success_message)
            return _signed_in(result, home_url(target))
        if result.reason in ("session_ended", "disabled", "wrong_step"):
            return _start_again()
        status = _code_failed(form, result)
    elif request.method == "POST":
        _clear_code(form)
        status = 400
    return render_template(template, form=form, next=target, **extra), status


@bp.post("/sign-out")
@csrf.exempt
def sign_out() -> ResponseReturnValue:
    """Always works, even from a tab whose form token has gone stale: leaving must never fail.
    No form token is needed, because no other site can make a browser do this: the staff
    cookie is SameSite=Strict, so a cross-site post arrives signed out already."""
    staff = current_staff()
    assert staff is not None  # the guard lets only a signed-in session get here
    services().staff.sign_out(staff.session_id, current_actor())
    # Forget everything this browser held for the dashboard, the form token included.
    session.clear()
    flash("You are signed out.", "info")
    response = redirect(url_for("staff.sign_in"), code=303)
    response.headers["Clear-Site-Data"] = '"cache"'
    return clear_session_cookie(response)


def _too_many(_: TooManyRequests) -> ResponseReturnValue:
    """The per-address limit: the same page again, with the reason where the errors go."""
    message = (
        "There have been too many attempts to sign in from your network. "
        "Wait a minute, then try again."
    )
    if request.endpoint == "staff.sign_in":
        form = SignInForm()
        form.password.errors = [message]
        page = render_template("staff/sign_in.html", form=form, next=None)
    elif request.endpoint in ("staff.sign_in_code", "staff.enrol"):
        form = CodeForm()
        _clear_code(form)
        form.code.errors = [message]
        page = render_template("staff/sign_in_code.html", form=form, next=None)
    else:
        page = render_template("staff/forbidden.html", title="Too many requests", message=message)
    return page, 429, {"Retry-After": "60"}


bp.register_error_handler(429, _too_many)


# --- Admin: who is signed in -------------------------------------------------------------------


@admin_bp.get("/sessions")
def sessions() -> ResponseReturnValue:
    return render_template(
        "staff/sessions.html",
        sessions=services().staff.active_sessions(session_policy()),
        mine=g.staff.session_id,
    )


@admin_bp.post("/sessions/<session_id>/revoke")
def revoke_session(session_id: str) -> ResponseReturnValue:
    if not _SESSION_ID.fullmatch(session_id):
        abort(404)
    if services().staff.revoke_session(session_id, current_actor()):
        flash("That session has been ended. Its browser must sign in again.", "info")
    else:
        flash("That session had already ended.", "info")
    if session_id == g.staff.session_id:
        return clear_session_cookie(redirect(url_for("staff.sign_in"), code=303))
    return redirect(url_for("staff_admin.sessions"), code=303)
