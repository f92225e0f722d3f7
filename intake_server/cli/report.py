"""`flask --app intake_server report`: how quickly people are called back, as CSV.

The same figures as the admins' report page: per week and per month in the clinic's time zone,
counts only, cells under 5 read "fewer than 5". Written to standard output, or to --output.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..business_days import Deadlines
from ..report.csv import report_csv
from ..report.figures import build
from ..services import services
from .staff import _operator


@click.command("report", help="Print the callback report (CSV): per week and per month.")
@click.option("--weeks", type=click.IntRange(1, 260), default=12, show_default=True)
@click.option("--months", type=click.IntRange(1, 120), default=12, show_default=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the CSV to this file instead of standard output.",
)
@with_appcontext
def report(weeks: int, months: int, output: Path | None) -> None:
    found = services()
    figures = build(
        found.reports,
        Deadlines.from_settings(found.settings),
        found.clock(),
        weeks=weeks,
        months=months,
    )
    text = report_csv(figures)
    found.audit.record("report_exported", _operator(), detail={"weeks": weeks, "months": months})
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8", newline="")
    click.echo(f"report written to {output}", err=True)
