"""Nothing acknowledged is ever lost: the crash trial (testkit/crash.py) in a short form.

The full trial (20+ kills, 1,000+ acknowledged submissions per backend) is `make bench`; its
results are in docs/benchmarks.md. Here the same code runs with fewer kills, so every `make test`
still kills the real server (and PostgreSQL's processes) under load and reads everything back.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from intake_server.storage import Keyring
from intake_server.storage.models import Submission
from testkit.crash import APPLICATION_NAME, MARKER, CrashReport, Traffic, read_back, run_trial
from testkit.postgres import fresh_schema
from testkit.service import Deployment, Service
from tests.helpers.environment import need

KILLS = 6
MIN_ACKNOWLEDGED = 150


def test_sqlite_keeps_every_acknowledged_submission_through_sigkills(
    site_dir: Path, tmp_path: Path
) -> None:
    deployment = Deployment(site_dir, f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    report = run_trial(
        deployment, kills=KILLS, min_acknowledged=MIN_ACKNOWLEDGED, log=lambda _: None
    )
    assert report.problems(KILLS, MIN_ACKNOWLEDGED) == [], report
    assert report.integrity == "ok"
    assert report.cut_off > 0, "no kill landed while a request was in flight"
    assert report.seen_by_staff == report.stored >= report.acknowledged >= MIN_ACKNOWLEDGED


@pytest.mark.postgres
def test_postgres_keeps_every_acknowledged_submission_through_server_and_database_kills(
    site_dir: Path, postgres_url: str
) -> None:
    # Killing PostgreSQL's processes takes its operating-system user or root.
    need(os.geteuid() == 0, "killing PostgreSQL backends needs root (as in CI)")
    with fresh_schema(postgres_url, APPLICATION_NAME) as url:
        report = run_trial(
            Deployment(site_dir, url),
            kills=KILLS,
            min_acknowledged=MIN_ACKNOWLEDGED,
            kill_database_every=2,
            log=lambda _: None,
        )
    assert report.problems(KILLS, MIN_ACKNOWLEDGED) == [], report
    assert report.database_kills >= 2, report


def test_the_read_back_notices_a_lost_or_altered_submission(site_dir: Path, tmp_path: Path) -> None:
    """The trial's checks can fail: remove one stored row and swap two payloads behind the
    service's back, and the read-back names all three."""
    deployment = Deployment(site_dir, f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    deployment.upgrade()
    with Service(deployment) as service:
        traffic = Traffic(service.url, visitors=2)
        traffic.start()
        deadline = time.monotonic() + 30
        while traffic.count() < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        traffic.stop()
        engine = sa.create_engine(deployment.database_url)
        with engine.begin() as conn:
            rows = conn.execute(
                sa.select(Submission.id, Submission.idempotency_key, Submission.payload).order_by(
                    Submission.id
                )
            ).all()
            lost, first, second = rows[0], rows[1], rows[2]
            conn.execute(sa.delete(Submission).where(Submission.id == lost.id))
            for row, payload in ((first, second.payload), (second, first.payload)):
                conn.execute(
                    sa.update(Submission).where(Submission.id == row.id).values(payload=payload)
                )
        engine.dispose()

        report = CrashReport(backend="sqlite")
        read_back(deployment, service, traffic, report)
    keyring = Keyring.from_string(deployment.encryption_keys)
    assert report.missing == MARKER.findall(keyring.decrypt(lost.payload)["message"])
    assert len(report.damaged) == 4, report.damaged  # two in the store, two on the dashboard
    assert report.problems(0, 0)
