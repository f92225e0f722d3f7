"""`flask report`: the callback report as CSV on standard output or in a file, audited."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from intake_server.services import services
from tests.helpers.report import filled
from tests.helpers.storage import audit_entries


def test_report_command_prints_or_writes_the_csv(app, clock, tmp_path: Path) -> None:
    found = services(app)
    filled(found.engine, found.submissions, found.work, clock)
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["report", "--weeks", "3", "--months", "2"])
    assert printed.exit_code == 0, printed.output
    rows = list(csv.DictReader(io.StringIO(printed.output)))
    assert [(row["period"], row["starts"]) for row in rows] == [
        ("week", "2026-11-16"),
        ("week", "2026-11-23"),
        ("week", "2026-11-30"),
        ("month", "2026-10-01"),
        ("month", "2026-11-01"),
    ]
    assert rows[1]["routine_within_promise"] == "86%" and rows[2]["submissions"] == "fewer than 5"
    out = tmp_path / "report.csv"
    written = runner.invoke(args=["report", "--output", str(out)])
    assert written.exit_code == 0 and "report written to" in written.output
    assert out.read_text(encoding="utf-8").startswith("period,starts,label,submissions,")
    assert runner.invoke(args=["report", "--weeks", "0"]).exit_code != 0
    assert len(audit_entries(found.engine, "report_exported")) == 2
