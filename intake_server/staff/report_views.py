"""The admins' report on how quickly people are called back: counts only, per week and per
month, with a plot of the share reached within the promise and a CSV of the same figures."""

from __future__ import annotations

from flask import Response, render_template
from flask.typing import ResponseReturnValue

from ..business_days import Deadlines
from ..clinic import clinic
from ..report.csv import report_csv
from ..report.figures import Report, build
from ..report.plot import promise_plot
from ..report.table import FEWER, SECTIONS, columns, period_label
from ..services import services
from . import labels
from .blueprints import admin_bp
from .identity import current_actor


def _report() -> Report:
    found = services()
    return build(found.reports, Deadlines.from_settings(found.settings), found.clock())


@admin_bp.get("/report")
def report() -> ResponseReturnValue:
    figures = _report()
    services().audit.record("report_viewed", current_actor())
    settings = services().settings
    body = render_template(
        "staff/report.html",
        clinic=clinic(),
        report=figures,
        sections=SECTIONS,
        columns=columns(labels.OUTCOME_LABELS),
        period_label=period_label,
        fewer=FEWER,
        plot=promise_plot(figures.weeks),
        urgent_plot=promise_plot(figures.weeks, urgent=True),
        business_days=settings.response_target_business_days,
        urgent_hours=settings.urgent_response_hours,
    )
    response = Response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@admin_bp.get("/report.csv")
def report_download() -> ResponseReturnValue:
    text = report_csv(_report())
    services().audit.record("report_exported", current_actor())
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="callback-report.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
