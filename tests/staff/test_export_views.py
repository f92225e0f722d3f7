"""The admin export views: CSV and FHIR downloads only for signed-in admins, never cached,
always audited, with the download that holds PHI labelled as such."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from intake_server.services import services
from intake_server.storage import utc_now
from tests.helpers.fhir import validate_response
from tests.helpers.staff import Harness
from tests.helpers.storage import audit_entries, change, store_submission

ADMIN = "admin@clinic.example"
VIEWS = [
    "/staff/admin/exports",
    "/staff/admin/exports/queue.csv?contacts=0",
    "/staff/admin/exports/queue.csv?contacts=1",
    "/staff/admin/exports/questionnaires.json",
]


@pytest.fixture
def exports(site_dir: Path, sqlite_url: str) -> Harness:
    # MFA is optional only in development, which the test app is; sign-in itself is tested
    # with its own code in test_auth_views.py.
    return Harness.start(site_dir, sqlite_url, STAFF_MFA_OPTIONAL=True)


def test_exports_are_for_signed_in_admins_only(exports: Harness) -> None:
    anonymous = exports.client()
    staff = exports.new_signed_in("staff@clinic.example", "staff")
    for path in VIEWS:
        assert anonymous.get(path).status_code == 303
        assert staff.get(path).status_code == 403
    assert audit_entries(services(exports.app).engine, "export_call_list") == []


def test_exports_page_labels_the_phi_download(exports: Harness) -> None:
    client = exports.new_signed_in(ADMIN, "admin")
    response = client.get("/staff/admin/exports")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Contains PHI" in html
    for endpoint in ("queue.csv?contacts=0", "queue.csv?contacts=1", "questionnaires.json"):
        assert f"/staff/admin/exports/{endpoint}" in html


def test_downloads_are_attachments_not_cached_and_audited(exports: Harness) -> None:
    engine = services(exports.app).engine
    reference = store_submission(services(exports.app).submissions, "consultation")
    client = exports.new_signed_in(ADMIN, "admin")
    downloads = {
        "/staff/admin/exports/queue.csv?contacts=0": ("export_queue", "text/csv"),
        "/staff/admin/exports/queue.csv?contacts=1": ("export_call_list", "text/csv"),
        "/staff/admin/exports/questionnaires.json": (
            "export_questionnaires",
            "application/fhir+json",
        ),
        f"/staff/admin/submissions/{reference}/fhir.json": ("export_fhir", "application/fhir+json"),
    }
    bodies = {}
    for path, (action, mimetype) in downloads.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype == mimetype
        if mimetype == "text/csv":
            assert response.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        [entry] = audit_entries(engine, action)
        assert entry.actor_email == ADMIN
        assert "Maria" not in entry.detail and "555" not in entry.detail
        bodies[path] = response.get_data(as_text=True)
    assert "Maria Example" not in bodies["/staff/admin/exports/queue.csv?contacts=0"]
    assert "Maria Example" in bodies["/staff/admin/exports/queue.csv?contacts=1"]
    assert (
        "call-list-PHI"
        in client.get("/staff/admin/exports/queue.csv?contacts=1").headers["Content-Disposition"]
    )
    assert json.loads(audit_entries(engine, "export_call_list")[0].detail) == {"rows": 1}
    assert audit_entries(engine, "export_fhir")[0].reference == reference
    Bundle.model_validate_json(bodies["/staff/admin/exports/questionnaires.json"])
    validate_response(json.loads(bodies[f"/staff/admin/submissions/{reference}/fhir.json"]))
    assert client.get("/staff/admin/exports/queue.csv?contacts=yes").status_code == 400
    assert client.get("/staff/admin/submissions/AAAA-AAAA/fhir.json").status_code == 404
    change(engine, reference, payload=None, purged_at=utc_now())
    assert client.get(f"/staff/admin/submissions/{reference}/fhir.json").status_code == 410
    assert services(exports.app).audit.verify()[1] is None
