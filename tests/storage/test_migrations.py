"""Migrations: they build exactly the models' schema, and running them again changes nothing."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from intake_server.migrations import head_revision
from intake_server.storage import SubmissionStore, make_engine, upgrade
from intake_server.storage.models import Base
from tests.helpers.storage import KEYRING, store_submission
from tests.helpers.storage import marked_answers as answers


def test_migrations_match_the_models(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_upgrade_creates_the_tables_and_can_run_again(tmp_path: Path) -> None:
    sqlite_path = tmp_path / "intake.db"
    sqlite_path.touch()
    url = f"sqlite:///{sqlite_path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        assert {"submissions", "alembic_version"} <= set(sa.inspect(engine).get_table_names())
        store = SubmissionStore(engine, KEYRING)
        reference = store_submission(store, "consultation", answers())

        upgrade(url)

        with engine.connect() as conn:
            versions = conn.execute(sa.text("select version_num from alembic_version")).all()
        assert versions == [(head_revision(),)]
        assert store.get(reference) is not None
    finally:
        engine.dispose()


def test_submissions_from_before_languages_are_english(database_url: str) -> None:
    """0008 adds the language: every form sent before it came from an English page."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from intake_server.migrations import _config

    # The revision just before 0008, whatever the chain is once branches are merged.
    before = ScriptDirectory.from_config(_config()).get_revision("0008").down_revision
    command.upgrade(_config(database_url), before)
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "insert into submissions (reference, kind, urgent, status, received_at,"
                    " updated_at, idempotency_key, payload) values ('7KXM-Q4TZ', 'consultation',"
                    " false, 'new', '2026-11-30 12:00:00', '2026-11-30 12:00:00', 'k', null)"
                )
            )
        upgrade(database_url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("select language from submissions")).all() == [("en",)]
        command.downgrade(_config(database_url), before)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("submissions")}
        assert "language" not in columns
    finally:
        engine.dispose()
