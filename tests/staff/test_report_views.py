"""The admins' callback report: admins only (403 for staff), never cached, audited, counts
only with small cells suppressed, a plot drawn on the server, and a CSV of the same figures."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from intake_server.services import services
from tests.helpers.report import filled
from tests.helpers.staff import Harness
from tests.helpers.storage import audit_entries

ADMIN = "admin@clinic.example"
PAGES = ["/staff/admin/report", "/staff/admin/report.csv"]


@pytest.fixture
def reporting(site_dir: Path, sqlite_url: str) -> Harness:
    harness = Harness.start(site_dir, sqlite_url, STAFF_MFA_OPTIONAL=True)
    found = services(harness.app)
    filled(found.engine, found.submissions, found.work, harness.clock)
    return harness


def test_the_report_is_for_admins_only(reporting: Harness) -> None:
    anonymous = reporting.client()
    staff = reporting.new_signed_in("staff@clinic.example", "staff")
    for path in PAGES:
        assert anonymous.get(path).status_code == 303
        assert staff.get(path).status_code == 403
    assert "Callback report" not in staff.get("/staff/").text
    assert audit_entries(services(reporting.app).engine, "report_viewed") == []


def test_the_page_shows_counts_suppressed_and_a_plot_without_scripts(reporting: Harness) -> None:
    client = reporting.new_signed_in(ADMIN, "admin")
    response = client.get("/staff/admin/report")
    html = response.text
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Callback report" in client.get("/staff/").text  # in the admins' menu
    assert "<svg" in html and 'role="img"' in html and "<script" not in html.split("<main")[1]
    assert "Week of Monday, November 23, 2026" in html and "November 2026" in html
    assert "<td>36.5</td>" in html and "<td>86%</td>" in html
    assert "<td>fewer than 5</td>" in html
    assert "Referred elsewhere" in html  # the dashboard's own outcome labels
    assert "An internet search" in html  # the form's own choice labels
    for private in ("Sam", "maria@example.org", "5550142"):
        assert private not in html
    assert len(audit_entries(services(reporting.app).engine, "report_viewed")) == 1


def test_the_csv_holds_the_same_figures_with_small_cells_suppressed(reporting: Harness) -> None:
    client = reporting.new_signed_in(ADMIN, "admin")
    response = client.get("/staff/admin/report.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    weeks = {row["starts"]: row for row in rows if row["period"] == "week"}
    thanksgiving = weeks["2026-11-23"]
    assert thanksgiving["routine_within_promise"] == "86%"
    assert thanksgiving["routine_median_hours"] == "36.5"
    assert thanksgiving["urgent"] == "fewer than 5"
    november = next(
        row for row in rows if row["period"] == "month" and row["starts"] == "2026-11-01"
    )
    assert november["submissions"] == "16" and november["heard_friend"] == "fewer than 5"
    assert len(weeks) == 12 and sum(row["period"] == "month" for row in rows) == 12
    numbers = [
        cell
        for row in rows
        for key, cell in row.items()
        if key not in ("period", "starts", "label")
    ]
    assert all(cell == "fewer than 5" or not cell.isdigit() or int(cell) >= 5 for cell in numbers)
    assert len(audit_entries(services(reporting.app).engine, "report_exported")) == 1
