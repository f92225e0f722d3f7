"""The report as CSV: one row per week, then one per month, the same columns and the same
suppressed cells as the page."""

from __future__ import annotations

import csv
import io

from .figures import Report
from .table import columns, period_label


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    shown = columns()
    writer.writerow(["period", "starts", "label", *(column.key for column in shown)])
    for figures in report.weeks + report.months:
        writer.writerow(
            [
                figures.period,
                figures.start.isoformat(),
                period_label(figures.period, figures.start),
                *(column.cell(figures) for column in shown),
            ]
        )
    return out.getvalue()
