"""/healthz: 200 only when the database answers (its failure is in tests/intake/test_views.py,
where the forms meet a database that is down)."""

from __future__ import annotations


def test_healthz_checks_the_database(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"
