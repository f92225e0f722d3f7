"""`flask db backup`: a copy made while the service runs, restored and read back decrypted.

The backups are real SQLite files written by VACUUM INTO next to a live database; the PostgreSQL
refusal runs against the real server (skipped on a laptop without one, a failure in CI).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from intake_server.intake.forms import AssessmentForm
from intake_server.migrations import head_revision
from intake_server.services import services
from intake_server.storage import SubmissionStore, backup, make_engine
from testkit.postgres import fresh_schema
from tests.helpers.app import make_app
from tests.helpers.forms import ASSESSMENT, CONSULTATION, form_payload
from tests.helpers.storage import count_submissions, store_submission


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def run_backup(app, dest: Path):
    return app.test_cli_runner().invoke(args=["db", "backup", str(dest)])


def test_backup_while_the_service_runs_restores_every_submission(
    site_dir: Path, tmp_path: Path
) -> None:
    live = tmp_path / "live" / "intake.sqlite3"
    app = make_app(site_dir, f"sqlite:///{live}")
    consultation = store_submission(services(app).submissions, "consultation")
    assessment = store_submission(
        services(app).submissions, "assessment", form_payload(AssessmentForm, ASSESSMENT)
    )

    # The service is busy: one connection is reading and another is halfway through a write.
    engine = services(app).engine
    writer = sqlite3.connect(live, isolation_level=None)
    with engine.connect() as reading:
        reading.exec_driver_sql("SELECT count(*) FROM submissions").scalar_one()
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "UPDATE submissions SET status = 'closed' WHERE reference = ?", (consultation,)
        )
        dest = tmp_path / "backups" / "intake-2026-11-23.sqlite3"
        dest.parent.mkdir()
        result = run_backup(app, dest)
        writer.execute("COMMIT")
    writer.close()

    assert result.exit_code == 0, result.output
    assert "2 submissions, integrity check ok" in result.output
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    # A consistent copy: no WAL file beside it, and nothing of the write that had not committed.
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]
    copy = sqlite3.connect(f"file:{dest}?mode=ro", uri=True)
    assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [
        (head_revision(),)
    ]
    copy.close()

    # Restore the way docs/deploy.md says (copy the file into place), then read it back
    # decrypted through the storage layer with the service's keys.
    restored = tmp_path / "restored" / "intake.sqlite3"
    restored.parent.mkdir()
    shutil.copy2(dest, restored)
    restored_engine = make_engine(f"sqlite:///{restored}")
    try:
        store = SubmissionStore(restored_engine, services(app).keyring)
        assert count_submissions(restored_engine) == 2
        first = store.get(consultation)
        assert first is not None and first["kind"] == "consultation"
        assert first["status"] == "new"
        assert first["payload"]["requester_name"] == CONSULTATION["requester_name"]
        assert first["payload"]["phone"] == "+13145550142"
        second = store.get(assessment)
        assert second is not None and second["kind"] == "assessment"
        assert second["payload"]["full_name"] == ASSESSMENT["full_name"]
        assert second["payload"]["goals"] == [ASSESSMENT["goals-0"], ASSESSMENT["goals-1"]]
    finally:
        restored_engine.dispose()
    # The live database saw the write that finished after the copy was taken.
    assert services(app).submissions.get(consultation)["status"] == "closed"


def test_backup_never_overwrites(site_dir: Path, tmp_path: Path) -> None:
    app = make_app(site_dir, f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    store_submission(services(app).submissions)
    older = tmp_path / "older-backup.sqlite3"
    older.write_bytes(b"an older backup that must survive")

    refused = run_backup(app, older)
    assert refused.exit_code == 1
    assert "already exists; refusing to overwrite" in refused.output
    assert older.read_bytes() == b"an older backup that must survive"

    fresh = tmp_path / "fresh.sqlite3"
    assert run_backup(app, fresh).exit_code == 0
    size = fresh.stat().st_size
    again = run_backup(app, fresh)
    assert again.exit_code == 1 and "refusing to overwrite" in again.output
    assert fresh.stat().st_size == size
    # Not even the database itself.
    live = run_backup(app, tmp_path / "intake.sqlite3")
    assert live.exit_code == 1 and "refusing to overwrite" in live.output


# 000 would leave a new file world-readable; 277 would leave it not even writable by its owner.
@pytest.mark.parametrize("mask", [0o000, 0o277], ids=["umask-000", "umask-277"])
def test_backup_is_owner_only_whatever_the_umask(site_dir: Path, tmp_path: Path, mask: int) -> None:
    app = make_app(site_dir, f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    store_submission(services(app).submissions)
    dest = tmp_path / "backup.sqlite3"
    with umask(mask):
        result = run_backup(app, dest)
    assert result.exit_code == 0, result.output
    assert "1 submission, integrity check ok" in result.output
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


def test_a_copy_that_fails_its_check_is_deleted(
    site_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(site_dir, f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    monkeypatch.setattr(backup, "_integrity_problems", lambda _target: ["*** in database main ***"])
    dest = tmp_path / "backup.sqlite3"
    result = run_backup(app, dest)
    assert result.exit_code == 1
    assert "failed PRAGMA integrity_check" in result.output
    assert not dest.exists()


def test_postgres_is_refused_with_the_way_to_back_it_up(
    site_dir: Path, tmp_path: Path, postgres_url: str
) -> None:
    with fresh_schema(postgres_url) as url:
        app = make_app(site_dir, url)
        store_submission(services(app).submissions)
        dest = tmp_path / "intake.dump"
        result = run_backup(app, dest)
        services(app).engine.dispose()
    assert result.exit_code == 1
    assert "pg_dump" in result.output and "docs/deploy.md" in result.output
    assert not dest.exists()
