"""Engines: durable SQLite connections, psycopg for PostgreSQL, and a database that cannot be
reached reported as StorageUnavailable, never as a crash or with PHI in the message."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from threading import current_thread
from typing import Any

import pytest
import sqlalchemy as sa

from intake_server.storage import StorageUnavailable, SubmissionStore, make_engine
from intake_server.storage.database import writer_session_factory
from tests.helpers.storage import KEYRING, MARKER
from tests.helpers.storage import marked_answers as answers


def test_the_sqlite_file_is_made_owner_only(tmp_path: Path) -> None:
    """Even under a permissive umask (make run's, a laptop's), nobody else may read the file."""
    path = tmp_path / "instance" / "intake.db"
    old_umask = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{path}")
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            files = [path, path.with_name("intake.db-wal"), path.with_name("intake.db-shm")]
            modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
        engine.dispose()
    finally:
        os.umask(old_umask)
    assert modes == dict.fromkeys(modes, 0o600) and len(modes) == 3
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_sqlite_connections_are_durable(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "intake.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        # Two connections open at once are two separate DBAPI connections, each set up anew.
        with engine.connect() as first, engine.connect() as second:
            for conn in (first, second):
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
                assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert path.exists()
    finally:
        engine.dispose()


def test_sqlite_without_wal_is_refused() -> None:
    engine = make_engine("sqlite://")  # in memory: journal_mode cannot be WAL
    with pytest.raises(RuntimeError, match="durable"), engine.connect():
        pass
    with pytest.raises(StorageUnavailable):
        SubmissionStore(engine, KEYRING).ping()


@pytest.mark.parametrize(
    "url", ["postgres://u@db.example/intake", "postgresql://u@db.example/intake"]
)
def test_postgres_urls_use_psycopg(url: str) -> None:
    engine = make_engine(url)
    assert engine.url.drivername == "postgresql+psycopg"
    assert engine.dialect.driver == "psycopg"
    assert engine.url.query["connect_timeout"] == "10"


def test_unsupported_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database backend 'mysql'"):
        make_engine("mysql://u:secret@db.example/intake")


# Unreachable databases


def unreachable_urls(tmp_path: Path) -> dict[str, str]:
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("")
    folder_in_the_way = tmp_path / "folder-where-the-file-should-be"
    folder_in_the_way.mkdir()
    return {
        "postgres-closed-port": "postgresql://postgres@127.0.0.1:1/test",
        "sqlite-folder-cannot-be-made": f"sqlite:///{blocker / 'instance' / 'intake.db'}",
        "sqlite-path-is-a-folder": f"sqlite:///{folder_in_the_way}",
    }


@pytest.mark.parametrize(
    "case", ["postgres-closed-port", "sqlite-folder-cannot-be-made", "sqlite-path-is-a-folder"]
)
def test_unreachable_database_raises_storage_unavailable(tmp_path: Path, case: str) -> None:
    engine = make_engine(unreachable_urls(tmp_path)[case])
    store = SubmissionStore(engine, KEYRING)
    try:
        with pytest.raises(StorageUnavailable):
            store.ping()
        with pytest.raises(StorageUnavailable) as caught:
            store.add(
                "assessment", answers(), urgent=True, idempotency_key=secrets.token_urlsafe(32)
            )
        assert MARKER not in str(caught.value)
        assert MARKER not in str(caught.value.__cause__)
        with pytest.raises(StorageUnavailable):
            store.get("7KXM-Q4TZ")
    finally:
        engine.dispose()


# Writers take turns at a gate (SQLite)


def test_sqlite_writers_wait_at_the_gate_not_inside_sqlite(tmp_path: Path) -> None:
    """A second writer does not even BEGIN until the first has committed: it waits at the gate,
    where it is woken at once, instead of inside SQLite's BEGIN, whose busy handler sleeps and
    retries. Every statement each connection starts is traced, in order."""
    engine = make_engine(f"sqlite:///{tmp_path / 'intake.db'}")
    started: list[str] = []

    def trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(
            lambda sql: started.append(f"{current_thread().name}: {sql}")
        )

    sa.event.listen(engine, "connect", trace)
    writers = writer_session_factory(engine)
    with writers.begin() as session:
        session.execute(sa.text("CREATE TABLE t (x)"))
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        with writers.begin() as session:
            session.execute(sa.text("INSERT INTO t VALUES (1)"))
            holding.set()
            release.wait(10)

    def second() -> None:
        holding.wait(10)
        with writers.begin() as session:
            session.execute(sa.text("INSERT INTO t VALUES (2)"))

    threads = [
        threading.Thread(target=first, name="one"),
        threading.Thread(target=second, name="two"),
    ]
    for thread in threads:
        thread.start()
    holding.wait(10)
    time.sleep(0.3)  # the second writer's chance to begin, were it not held at the gate
    release.set()
    for thread in threads:
        thread.join(10)
    engine.dispose()
    writes = [s for s in started if s.split(": ")[1] in ("BEGIN IMMEDIATE", "COMMIT")]
    assert writes[-4:] == [
        "one: BEGIN IMMEDIATE",
        "one: COMMIT",
        "two: BEGIN IMMEDIATE",
        "two: COMMIT",
    ], started


def test_the_gate_is_shared_with_other_processes(tmp_path: Path) -> None:
    """gunicorn's workers and cron's commands are other processes: the gate is an flock on a
    file beside the database, held for the whole write transaction."""
    path = tmp_path / "intake.db"
    engine = make_engine(f"sqlite:///{path}")
    gate = f"{path}-writer"
    probe = (
        "import fcntl, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDWR)\n"
        "try:\n    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n    print('free')\n"
        "except BlockingIOError:\n    print('held')\n"
    )

    def other_process_sees() -> str:
        done = subprocess.run(
            [sys.executable, "-c", probe, gate], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    try:
        with writer_session_factory(engine).begin() as session:
            session.execute(sa.text("CREATE TABLE t (x)"))
            assert other_process_sees() == "held"
        assert other_process_sees() == "free"
        assert stat.S_IMODE(Path(gate).stat().st_mode) == 0o600
    finally:
        engine.dispose()
