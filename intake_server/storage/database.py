"""Engines and sessions for SQLite (one clinic, one machine) and PostgreSQL (hosted).

SQLite is configured for durability, not speed: a submission that was acknowledged must survive a
power cut, so every connection is put in WAL mode with synchronous=FULL and then checked. It is
configured for privacy too: the file is created owner-only, and deleted content is overwritten
(secure_delete), so what a purge removes is not left in free pages.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRES_CONNECT_TIMEOUT_S = "10"
SYNCHRONOUS_FULL = 2
WRITER_OPTION = "intake_writer"


class DurabilityError(RuntimeError):
    """A SQLite connection did not accept the settings that make a commit survive a crash."""


def make_engine(database_url: str) -> Engine:
    """An engine for the intake database. Parameters are hidden from errors and logs, as they can
    hold PHI (even though payloads are encrypted, nothing should rely on that alone)."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend in ("postgres", "postgresql"):
        return _postgres_engine(url)
    raise ValueError(f"unsupported database backend {backend!r}: use sqlite or postgresql")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit, so a receipt can be built from them."""
    return sessionmaker(engine, expire_on_commit=False)


def writer_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for read-then-write transactions that must not interleave with another writer."""
    return sessionmaker(engine.execution_options(**{WRITER_OPTION: True}), expire_on_commit=False)


def _postgres_engine(url: URL) -> Engine:
    # Hosting platforms hand out postgres:// URLs; this project only ships psycopg 3.
    url = url.set(drivername="postgresql+psycopg")
    if "connect_timeout" not in url.query:
        # Without a timeout an unreachable server hangs the request instead of failing it quickly.
        url = url.update_query_dict({"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S})
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def checkpoint(engine: Engine) -> bool:
    """Copy the WAL into the database file and empty it (SQLite; nothing to do on PostgreSQL),
    so the older page images it holds, such as ciphertext a purge just overwrote, are gone.
    False if a reader kept it from finishing; SQLite's next checkpoint then does it."""
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
    return not busy


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, hide_parameters=True)
    if url.database not in (None, "", ":memory:") and "uri" not in url.query:
        path = Path(url.database)
        # A folder that cannot be made now (a volume not yet mounted) is reported by the store as
        # StorageUnavailable on first use, like any other outage, instead of crashing start-up.
        with contextlib.suppress(OSError):
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        event.listen(engine, "do_connect", lambda *_: _create_owner_only(path))
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _create_owner_only(path: Path) -> None:
    """Before SQLite opens the file: an empty database file readable by this user alone (0600,
    whatever the umask). SQLite gives its -wal and -shm files the same mode. If it cannot be
    made (it exists, or its folder does not), SQLite's own open says what is wrong."""
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Set and verify durability on every new connection, not once: each one is a fresh handle."""
    # SQLAlchemy emits BEGIN itself (see _begin_sqlite); the driver's own transaction handling
    # would leave DDL outside transactions and make migrations non-atomic.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # busy_timeout first, so switching to WAL waits for another connection instead of failing.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Not left to how SQLite was compiled: deleted content is overwritten with zeros.
        cursor.execute("PRAGMA secure_delete=ON")
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = cursor.execute("PRAGMA synchronous").fetchone()[0]
        secure_delete = cursor.execute("PRAGMA secure_delete").fetchone()[0]
    finally:
        cursor.close()
    if str(journal_mode).lower() != "wal" or synchronous != SYNCHRONOUS_FULL or not secure_delete:
        raise DurabilityError(
            f"SQLite refused durable settings (journal_mode={journal_mode}, "
            f"synchronous={synchronous}, secure_delete={secure_delete}; need wal, 2 and 1): "
            "is the database in memory or read-only?"
        )


def _begin_sqlite(connection: Any) -> None:
    # A writer that reads first (the audit chain, a claim) takes the write lock up front, so it
    # waits for busy_timeout instead of failing when another writer got in between.
    immediate = connection.get_execution_options().get(WRITER_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
