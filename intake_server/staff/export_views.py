"""Admin exports: the queue and call list as CSV, the Questionnaires and one submission as FHIR.

Everything here is on admin_bp, whose guard admits admins only. Each download is audited before
it is handed over (if the audit entry cannot be written, nothing is sent), is marked no-store so
no cache keeps a copy, and is an attachment so the browser saves rather than displays it.
"""

from __future__ import annotations

import json

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue

from ..clinic import clinic, clinic_zone
from ..exports.csv import queue_csv
from ..exports.fhir import PurgedError, questionnaire_response, questionnaires_bundle
from ..services import services
from .blueprints import admin_bp
from .identity import current_actor

# Mimetypes: Flask adds "; charset=utf-8" to text types itself.
CSV_TYPE = "text/csv"
FHIR_TYPE = "application/fhir+json"


def _audit(action: str, *, reference: str | None = None, **detail: object) -> None:
    """Record an export. `detail` holds counts and flags only, never PHI."""
    services().audit.record(action, current_actor(), reference=reference, detail=detail)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _attachment(body: str, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _no_store(response)


@admin_bp.get("/exports")
def exports() -> ResponseReturnValue:
    return _no_store(Response(render_template("staff/exports.html", clinic=clinic())))


@admin_bp.get("/exports/queue.csv")
def export_csv() -> ResponseReturnValue:
    """The whole queue; with contacts=1 the call list, which holds names, phones and emails."""
    flag = request.args.get("contacts", "0")
    if flag not in ("0", "1"):
        abort(400)
    contacts = flag == "1"
    text, count = queue_csv(services().exports.queue_rows(contacts=contacts), contacts=contacts)
    # A separate action for the export that holds PHI, so the audit trail can be searched for it.
    _audit("export_call_list" if contacts else "export_queue", rows=count)
    day = services().clock().astimezone(clinic_zone()).date().isoformat()
    name = f"call-list-PHI-{day}.csv" if contacts else f"queue-{day}.csv"
    return _attachment(text, name, CSV_TYPE)


@admin_bp.get("/exports/questionnaires.json")
def export_questionnaires() -> ResponseReturnValue:
    _audit("export_questionnaires")
    body = json.dumps(questionnaires_bundle(), indent=2, ensure_ascii=False)
    return _attachment(body, "questionnaires.json", FHIR_TYPE)


@admin_bp.get("/submissions/<reference>/fhir.json")
def export_fhir(reference: str) -> ResponseReturnValue:
    submission = services().exports.submission(reference)
    if submission is None:
        abort(404)
    try:
        resource = questionnaire_response(submission)
    except PurgedError:
        abort(410)  # the answers were removed under the retention policy
    _audit("export_fhir", reference=submission["reference"], kind=submission["kind"])
    body = json.dumps(resource, indent=2, ensure_ascii=False)
    return _attachment(body, f"questionnaire-response-{submission['reference']}.json", FHIR_TYPE)
