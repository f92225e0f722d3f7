"""backup_sqlite on its own: what it refuses before writing anything. The command that runs it
while the service works is tested in tests/cli/test_db.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake_server.storage import BackupError, BackupUnsupported, backup_sqlite, make_engine


def test_a_missing_database_is_reported_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "not-here" / "intake.sqlite3"
    engine = make_engine(f"sqlite:///{missing}")
    try:
        with pytest.raises(BackupError, match="there is no database at"):
            backup_sqlite(engine, tmp_path / "backup.sqlite3")
    finally:
        engine.dispose()
    assert not missing.exists()
    assert not (tmp_path / "backup.sqlite3").exists()


def test_postgres_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """Without a server: the refusal depends on DATABASE_URL alone, never on a connection."""
    engine = make_engine("postgresql://nobody@127.0.0.1:1/intake")
    with pytest.raises(BackupUnsupported, match="pg_dump"):
        backup_sqlite(engine, tmp_path / "intake.dump")
    assert not (tmp_path / "intake.dump").exists()
