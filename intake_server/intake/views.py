"""The public forms' pages: show a form, take it in, and confirm what was stored.

form -> validation -> urgency -> store (committed) -> redirect to a confirmation that reads the
stored receipt. The forms check their own CSRF token (app.py exempts this blueprint from the
global check), so an expired token keeps every answer and asks for one more press.

Every page is served in each language at its own address (/consultation/, /es/consultation/):
the address is the language (web/language.py), links between the pages keep it, and what is
stored records it, so staff know to call back in Spanish.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    after_this_request,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from ..business_days import Deadlines
from ..clinic import clinic
from ..extensions import limiter
from ..services import services
from ..storage import LANGUAGES, LinkUnusable, StorageUnavailable
from ..web.language import language_prefix, page_language
from ..web.render import render_page
from ..web.site import compress_whole
from .crisis import tables_json
from .forms import (
    MEDICARE,
    AssessmentForm,
    ConsultationForm,
    IntakeForm,
    not_accepted_plans,
    too_young,
    younger_help,
)
from .kinds import KINDS
from .urgency import is_urgent

log = logging.getLogger(__name__)
bp = Blueprint("intake", __name__)
# A random value of this browser's own, kept in its session cookie from the first form page on.
SENDER = "sender"
# The URL value that names a page's language; views never see it (the address already says it).
LANG = "lang"


@bp.url_value_preprocessor
def _drop_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values:
        values.pop(LANG, None)


@bp.url_defaults
def _keep_language(endpoint: str, values: dict[str, Any]) -> None:
    """A link from one of these pages to another stays in the page's language."""
    if LANG not in values and current_app.url_map.is_endpoint_expecting(endpoint, LANG):
        values[LANG] = page_language()


def each_language(path: str, **options: Any) -> Callable[[Callable], Callable]:
    """Serve a view at `path` in English and at the same path under each other language's
    prefix; url_for(endpoint, lang="es") builds the Spanish address."""

    def register(view: Callable) -> Callable:
        for language in LANGUAGES:
            bp.add_url_rule(
                language_prefix(language) + path,
                view_func=view,
                defaults={LANG: language},
                **options,
            )
        return view

    return register


@bp.app_template_global()
def shows_crisis(form: IntakeForm) -> bool:
    """Whether a re-shown form should already show crisis help (what was sent marks it urgent)."""
    problems = getattr(form, "problems", None)
    return is_urgent(problems.data or [] if problems else [], form.free_text())


def _form_rate_limit() -> str:
    return services().settings.form_rate_limit


def personal_link() -> str | None:
    """The staff-issued link token this request came with, if any (assessment only)."""
    return request.args.get("link") or None


def build_form(kind: str, *, with_link: bool = True) -> IntakeForm:
    if kind == "consultation":
        return ConsultationForm()
    return AssessmentForm(personal_link=with_link and personal_link() is not None)


def render_form(
    kind: str, form: IntakeForm, *, notice: str | None = None, status: int = 200
) -> ResponseReturnValue:
    """The form page: the site's page for this form, its Markdown intro, then the form itself."""
    has_errors = bool(form.errors) and notice is None
    body = render_template(
        f"intake/{kind}.html",
        kind=kind,
        form=form,
        notice=notice,
        has_errors=has_errors,
        clinic=clinic(),
        urgent_keys=clinic()["urgent_problems"],
    )
    title = _("Error: %(title)s", title=KINDS[kind].title) if has_errors else KINDS[kind].title
    return render_page(KINDS[kind].path, body, title, status=status, no_store=True)


def _sender() -> str:
    """This browser's own random value, in its session cookie from the first form page on, so
    a post retried after its answer was lost comes back with the same value."""
    sender: str = session.setdefault(SENDER, secrets.token_urlsafe(16))
    return sender


def bound_key(sender: str, form_id: str) -> str:
    """The key that makes a repeated POST of one form harmless, bound to the browser that sent
    it: a hash of the session's own value and the form's id. Another browser sending the same
    form id makes a key of its own, so it can never be answered with someone else's receipt."""
    return hashlib.sha256(f"{sender}:{form_id}".encode()).hexdigest()


def repeat_key(form_id: str) -> str:
    """This request's form id, bound to this browser (see bound_key)."""
    return bound_key(_sender(), form_id)


def handle(kind: str) -> ResponseReturnValue:
    _sender()
    store = services().submissions
    token = personal_link() if kind == "assessment" else None
    if token and request.method == "GET":
        try:
            usable = store.link_usable(token)
        except StorageUnavailable:
            usable = False
        if not usable:
            return render_form(kind, build_form(kind, with_link=False), notice="link_unusable")
    form = build_form(kind)
    if request.method == "GET":
        if not request.args:
            # A blank form holds its token and nothing the request sent: BREACH needs both.
            after_this_request(compress_whole)
        return render_form(kind, form)
    if form.looks_automated:
        log.info("submission_refused", extra={"kind": kind, "reason": "honeypot"})
        return render_form(kind, form, notice="automated", status=400)
    if not form.validate():
        if form.only_csrf_failed:
            # An expired or missing security token: keep every answer and ask for one more press.
            log.info("submission_token_renewed", extra={"kind": kind})
            return render_form(kind, form, notice="token_expired", status=400)
        log.info("submission_invalid", extra={"kind": kind, "fields": sorted(form.errors)})
        return render_form(kind, form, status=422)
    payload: dict[str, Any] = form.payload()
    urgent = is_urgent(payload.get("problems", []), form.free_text())
    try:
        receipt = store.add(
            kind,
            payload,
            urgent=urgent,
            idempotency_key=repeat_key(form.form_id.data),
            link_token=token,
            language=page_language(),
        )
    except LinkUnusable:
        # Keep every answer; the identity questions come back so the form can still be sent.
        return render_form(
            kind, build_form(kind, with_link=False), notice="link_unusable", status=409
        )
    except StorageUnavailable:
        log.error("submission_not_stored", extra={"kind": kind})
        return render_form(kind, form, notice="unavailable", status=503)
    log.info(
        "submission_received",
        extra={
            "kind": kind,
            "reference": receipt.reference,
            "language": receipt.language,
            "urgent": urgent,
            "first_copy": receipt.created,
        },
    )
    if receipt.created:
        services().send_mail_soon()
    session["receipt"] = receipt.reference
    return redirect(url_for("intake.received"), code=303)


@each_language("/consultation/", methods=["GET", "POST"])
@limiter.limit(_form_rate_limit, methods=["POST"])
def consultation() -> ResponseReturnValue:
    return handle("consultation")


@each_language("/assessment/", methods=["GET", "POST"])
@limiter.limit(_form_rate_limit, methods=["POST"])
def assessment() -> ResponseReturnValue:
    return handle("assessment")


def _day_words(moment: datetime) -> str:
    """ "Friday, November 27": the day the promise falls on, in the clinic's time and the
    page's language."""
    return format_date(moment, _("EEEE, MMMM d"), rebase=False)


@each_language("/received/", methods=["GET"])
def received() -> ResponseReturnValue:
    """The confirmation, read back from the database: what it shows was stored."""
    reference = session.get("receipt")
    stored = reference and services().submissions.get(reference)
    if not stored:
        return redirect(url_for("intake.consultation"))
    kind = KINDS[stored["kind"]]
    promise = Deadlines.from_settings(services().settings)
    answers = stored["payload"]
    body = render_template(
        "intake/received.html",
        reference=reference,
        kind=kind.key,
        urgent=stored["urgent"],
        not_accepted=not_accepted_plans() if answers.get("insurance") == MEDICARE else None,
        contact_method=answers.get("contact_method"),
        younger_help=younger_help() if too_young(answers.get("age_group")) else None,
        clinic=clinic(),
        call_by=_day_words(promise.response_due(stored["received_at"], urgent=False)),
    )
    return render_page(kind.path, body, kind.received_title, with_intro=False, no_store=True)


@bp.get("/crisis-language.json")
def crisis_language_table() -> ResponseReturnValue:
    """The compiled crisis-language rules of every language, for the form's live check
    (static/crisis.js): the same tables the server matches with. Public, cacheable, and holding
    nothing anyone typed, so it may be compressed."""
    response = Response(tables_json(), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.add_etag()
    response.make_conditional(request)
    return compress_whole(response)


@bp.errorhandler(TooManyRequests)
def rate_limited(_: TooManyRequests) -> ResponseReturnValue:
    """Too many forms from one address: the form comes back with what was typed."""
    kind = request.endpoint.rsplit(".", 1)[-1] if request.endpoint else "consultation"
    if kind not in KINDS:
        kind = "consultation"
    log.info("submission_rate_limited", extra={"kind": kind})
    return render_form(kind, build_form(kind), notice="rate_limited", status=429)
