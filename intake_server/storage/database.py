"""Engines and sessions for SQLite (one clinic, one machine) and PostgreSQL (hosted).

SQLite is configured for durability, not speed: a submission that was acknowledged must survive a
power cut, so every connection is put in WAL mode with synchronous=FULL and then checked. It is
configured for privacy too: the file is created owner-only, and deleted content is overwritten
(secure_delete), so what a purge removes is not left in free pages.

SQLite lets one writer in at a time, and its busy handler makes the others sleep and retry, with
sleeps that grow to 100 ms: under load the unlucky wait far longer than the work takes. So on
SQLite, write transactions (`Writers.begin`) take turns at a gate first: a lock among the threads
of a process, and an flock on a file beside the database among processes (gunicorn's workers,
cron's commands). A waiter is woken the moment the writer before it is done. Durability is
untouched: every transaction still commits, with its fsync, before anyone is told it is stored.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000
# How long a writer waits for the threads of its own process before giving up, like SQLite's
# busy timeout (the store then reports StorageUnavailable).
GATE_TIMEOUT_S = SQLITE_BUSY_TIMEOUT_MS / 1000
# The gate's file, beside the database: `intake.sqlite3-writer`.
GATE_SUFFIX = "-writer"
POSTGRES_CONNECT_TIMEOUT_S = "10"
SYNCHRONOUS_FULL = 2
WRITER_OPTION = "intake_writer"


class DurabilityError(RuntimeError):
    """A SQLite connection did not accept the settings that make a commit survive a crash."""


class WriterBusy(RuntimeError):
    """Other writers held the SQLite database for longer than the busy timeout."""


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


class Writers:
    """Write transactions (`with writers.begin() as session:`), read-then-write included, that
    must not interleave with another writer: one at a time through the gate on SQLite, where they
    also BEGIN IMMEDIATE; on PostgreSQL the rows' own locks do."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(
            engine.execution_options(**{WRITER_OPTION: True}), expire_on_commit=False
        )
        self._gate = writer_gate(engine)

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A session in a transaction, committed (or rolled back) before the gate opens again."""
        with self._gate, self._sessions.begin() as session:
            yield session


def writer_session_factory(engine: Engine) -> Writers:
    return Writers(engine)


class WriterGate:
    """One writer at a time for one SQLite file: a lock among this process's threads (waited
    for up to GATE_TIMEOUT_S), then an flock among processes, held until the transaction ends.
    Reentrant, so a thread that already holds it passes (SQLite then decides, as before)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._threads = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0

    def __enter__(self) -> None:
        if not self._threads.acquire(timeout=GATE_TIMEOUT_S):
            raise WriterBusy("other writers held the database too long")
        self._depth += 1
        if self._depth == 1:
            fd = self._file()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)

    def __exit__(self, *_: object) -> None:
        try:
            if self._depth == 1 and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._depth -= 1
            self._threads.release()

    def _file(self) -> int | None:
        """The gate file, opened once per process (a forked child opens its own, since an flock
        is shared by every copy of one open file). None if it cannot be made: the writers then
        meet at SQLite's own lock, as they would without the gate."""
        if self._pid != os.getpid():
            self._pid, self._fd = os.getpid(), None
            with contextlib.suppress(OSError):
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd


_GATES: dict[str, WriterGate] = {}
_GATES_LOCK = threading.Lock()


def writer_gate(engine: Engine) -> AbstractContextManager[None]:
    """The gate of the engine's SQLite file, shared by every engine on that file in this process
    (an app, a command and a test may each have one); nothing for PostgreSQL or memory."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return contextlib.nullcontext()
    if "uri" in engine.url.query:
        return contextlib.nullcontext()
    path = os.path.realpath(database) + GATE_SUFFIX
    with _GATES_LOCK:
        return _GATES.setdefault(path, WriterGate(path))


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
    # Through the gate: emptying the WAL holds off writers, who should queue, not sleep.
    with writer_gate(engine), engine.connect() as conn:
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
