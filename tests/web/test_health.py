"""/healthz: 200 only when the database answers and a write to it commits; 503 naming the part
that failed otherwise, without writing anything a person sent and without the database growing.
(A database that cannot be reached at all is in tests/intake/test_views.py, where the forms meet
it too.)"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from intake_server.services import services
from intake_server.storage.models import Base
from tests.helpers.app import make_app
from tests.helpers.storage import failing_commits


def row_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def test_healthz_checks_the_database(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "writes": "ok"}


def test_healthz_fails_while_no_write_can_commit(site_dir: Path, database_url: str) -> None:
    """A full disk: reads still work, every COMMIT fails. Health must say so, on both backends,
    and say it again as soon as writes work."""
    app = make_app(site_dir, database_url)
    client = app.test_client()
    engine = services(app).engine
    try:
        assert client.get("/healthz").status_code == 200
        before = row_counts(engine)
        with failing_commits(engine):
            for _ in range(3):
                response = client.get("/healthz")
                assert response.status_code == 503
                assert response.json == {
                    "status": "unavailable",
                    "database": "ok",
                    "writes": "failing",
                }
        for _ in range(20):
            assert client.get("/healthz").status_code == 200
        assert row_counts(engine) == before and before["health_check"] == 1
    finally:
        engine.dispose()
