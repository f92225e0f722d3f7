"""Engines and sessions for SQLite (one clinic, one machine) and PostgreSQL (hosted).

SQLite is configured for durability, not speed: a submission that was acknowledged must survive a
power cut, so every connection is put in WAL mode with synchronous=FULL and then checked.
"""

from __future__ import annotations

import contextlib
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


def _sqlite_engine(url: URL) -> Engine:
    if url.database not in (None, "", ":memory:") and "uri" not in url.query:
        # A folder that cannot be made now (a volume not yet mounted) is reported by the store as
        # StorageUnavailable on first use, like any other outage, instead of crashing start-up.
        with contextlib.suppress(OSError):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, hide_parameters=True)
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


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
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = cursor.execute("PRAGMA synchronous").fetchone()[0]
    finally:
        cursor.close()
    if str(journal_mode).lower() != "wal" or synchronous != SYNCHRONOUS_FULL:
        raise DurabilityError(
            f"SQLite refused durable settings (journal_mode={journal_mode}, "
            f"synchronous={synchronous}; need wal and 2): is the database in memory or read-only?"
        )


def _begin_sqlite(connection: Any) -> None:
    # A writer that reads first (the audit chain, a claim) takes the write lock up front, so it
    # waits for busy_timeout instead of failing when another writer got in between.
    immediate = connection.get_execution_options().get(WRITER_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
