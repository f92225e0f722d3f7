"""The queue and the detail page: where staff find, read and work submissions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..clinic import clinic
from ..intake.text import without_controls
from ..services import services
from ..storage import (
    DUPLICATE_WINDOW,
    OUTCOMES,
    REASON_MAX,
    STATUSES,
    QueueFilter,
    WorkError,
    WorkStore,
    normalise_reference,
)
from . import labels
from .arguments import MAX_ID, filter_args, page_number, whole_number
from .blueprints import admin_bp, bp
from .deadlines import Deadlines
from .identity import current_actor

PER_PAGE = 50
# The only query arguments each list reads, and the only ones its links carry on.
QUEUE_FILTERS = ("status", "kind", "assignee", "urgent")
# The status each status usually moves to next: the first button in "Work on it".
NEXT_STATUS = {"in_progress": "contacted", "contacted": "evaluation_scheduled"}
# Longest text the look-up box reads: a reference with generous spacing.
LOOKUP_MAX = 40
AUDIT_FILTERS = ("action", "actor", "reference")


def work() -> WorkStore:
    return services().work


def _context(**values: object) -> dict[str, object]:
    return {
        "clinic": clinic(),
        "labels": labels,
        "is_overdue": Deadlines.from_settings(services().settings).is_overdue,
        "response_due": Deadlines.from_settings(services().settings).response_due,
        "now": services().clock(),
        **values,
    }


def _filters(args: dict[str, str]) -> QueueFilter:
    assignee = args.get("assignee")
    if assignee not in (None, "me", "none"):
        number = whole_number(assignee, maximum=MAX_ID)
        assignee = None if number is None else str(number)
    return QueueFilter(
        status=args.get("status", "open"),
        kind=args.get("kind"),
        assignee=assignee,
        urgent={"yes": True, "no": False}.get(args.get("urgent", "")),
    )


@bp.get("/")
def queue(lookup: str = "", lookup_error: str | None = None) -> ResponseReturnValue:
    args = filter_args(QUEUE_FILTERS)
    filters = _filters(args)
    page = work().queue(filters, me=current_actor().id, page=page_number(), per_page=PER_PAGE)
    return render_template(
        "staff/queue.html",
        **_context(
            page=page,
            extras=work().row_extras([row.reference for row in page.rows]),
            filters=filters,
            args=args,
            statuses=STATUSES,
            members=work().staff_members(),
            lookup=lookup,
            lookup_error=lookup_error,
        ),
    ), (404 if lookup_error else 200)


@bp.get("/find")
def find() -> ResponseReturnValue:
    """The look-up box: a reference as it was read out ("q4qg mjxh") opens that submission,
    whose page audits the view; anything else comes back with what was typed and why."""
    typed = without_controls(request.args.get("reference", ""))[:LOOKUP_MAX].strip()
    if not typed:
        return queue(typed, "Type a reference, like Q4QG-MJXH.")
    reference = normalise_reference(typed)
    if reference is None:
        return queue(typed, "A reference has 8 letters and numbers, like Q4QG-MJXH.")
    if not work().exists(reference):
        # Audited without what was typed: it could be anything, even a name.
        services().audit.record("lookup_missed", current_actor())
        return queue(
            typed, f"No submission has the reference {reference}. Check it with the caller."
        )
    return redirect(url_for("staff.detail", reference=reference), code=303)


@bp.get("/submissions/<reference>")
def detail(reference: str, new_link: str | None = None) -> ResponseReturnValue:
    submission = work().detail(reference)
    if submission is None:
        flash("No submission has that reference.", "error")
        return redirect(url_for("staff.queue"))
    services().audit.record("viewed", current_actor(), reference=submission["reference"])
    return render_template(
        "staff/detail.html",
        **_context(
            s=submission,
            statuses=STATUSES,
            outcomes=OUTCOMES,
            members=work().staff_members(),
            new_link=new_link,
            next_status=NEXT_STATUS.get(submission["status"]),
            duplicate_days=DUPLICATE_WINDOW.days,
            link_days=services().settings.assessment_link_days,
            reason_max=REASON_MAX,
        ),
    )


def _act(reference: str, change: Callable[[], object], done: str) -> ResponseReturnValue:
    """Run one change; say what happened; go back to the submission (Post/Redirect/Get)."""
    try:
        change()
    except WorkError as problem:
        flash(str(problem), "error")
    else:
        flash(done, "info")
    return redirect(url_for("staff.detail", reference=reference), code=303)


@bp.post("/submissions/<reference>/claim")
def claim(reference: str) -> ResponseReturnValue:
    if work().claim(reference, current_actor()):
        flash("It is yours now.", "info")
    else:
        flash("Someone else claimed this first.", "error")
    return redirect(url_for("staff.detail", reference=reference), code=303)


@bp.post("/submissions/<reference>/status")
def set_status(reference: str) -> ResponseReturnValue:
    status = request.form.get("status", "")
    outcome = request.form.get("outcome") or None
    label = labels.STATUS_LABELS.get(status, status)
    return _act(
        reference,
        lambda: work().set_status(reference, current_actor(), status, outcome),
        f"Status changed to {label}.",
    )


@bp.post("/submissions/<reference>/urgency")
def set_urgency(reference: str) -> ResponseReturnValue:
    """Mark urgent or not by hand, with a reason (required): audited and on the timeline."""
    urgent = request.form.get("urgent") == "yes"
    reason = without_controls(request.form.get("reason", ""), multiline=True)[: REASON_MAX + 1]
    return _act(
        reference,
        lambda: work().set_urgency(reference, current_actor(), urgent, reason),
        "Marked urgent." if urgent else "Marked not urgent.",
    )


@bp.post("/submissions/<reference>/duplicate")
def close_as_duplicate(reference: str) -> ResponseReturnValue:
    """Close one submission as a duplicate of another in one step (audited)."""
    original = without_controls(request.form.get("of", ""))[:LOOKUP_MAX]
    shown = normalise_reference(original) or "the other one"
    return _act(
        reference,
        lambda: work().close_as_duplicate(reference, current_actor(), original),
        f"Closed as a duplicate of {shown}.",
    )


@bp.post("/submissions/<reference>/reopen")
def reopen(reference: str) -> ResponseReturnValue:
    return _act(reference, lambda: work().reopen(reference, current_actor()), "Reopened.")


@bp.post("/submissions/<reference>/assign")
def assign(reference: str) -> ResponseReturnValue:
    chosen = request.form.get("assignee", "")
    assignee = whole_number(chosen, maximum=MAX_ID)
    if chosen and assignee is None:
        flash("Choose someone from the list.", "error")
        return redirect(url_for("staff.detail", reference=reference), code=303)
    return _act(
        reference, lambda: work().assign(reference, current_actor(), assignee), "Reassigned."
    )


@bp.post("/submissions/<reference>/notes")
def add_note(reference: str) -> ResponseReturnValue:
    text = without_controls(request.form.get("note", ""), multiline=True)[:4000]
    return _act(reference, lambda: work().add_note(reference, current_actor(), text), "Note added.")


@bp.post("/submissions/<reference>/assessment-link")
def create_link(reference: str) -> ResponseReturnValue:
    days = services().settings.assessment_link_days
    try:
        token = work().create_assessment_link(reference, current_actor(), timedelta(days=days))
    except WorkError as problem:
        flash(str(problem), "error")
        return redirect(url_for("staff.detail", reference=reference), code=303)
    # Shown once, on this response only: the token is never stored or put in a cookie. The
    # address is the configured one, never the Host this request came with.
    link = services().settings.public_url + url_for("intake.assessment", link=token)
    return detail(reference, new_link=link)


@admin_bp.get("/audit")
def audit() -> ResponseReturnValue:
    log = services().audit
    args = filter_args(AUDIT_FILTERS)
    page = page_number()
    found = log.search(
        action=args.get("action"),
        actor_email=args.get("actor"),
        reference=args.get("reference"),
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    log.record("audit_viewed", current_actor())
    return render_template(
        "staff/audit.html",
        **_context(
            found=found,
            page=page,
            pages=max(1, -(-found.total // PER_PAGE)),
            args=args,
            actions=log.actions(),
        ),
    )
