"""Backups of a SQLite database while the service runs: the only SQL for `flask db backup`.

`VACUUM INTO` copies one read snapshot: in WAL mode it neither blocks nor waits for the forms
being saved, and the copy never holds half a transaction (copying the file with cp can). The copy
is created owner-only before SQLite writes a byte of it, flushed to disk, then checked with
`PRAGMA integrity_check`; a copy that fails is deleted, so nothing that looks like a backup is
left behind unless it can be restored. PostgreSQL is refused: pg_dump is the tool for it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.request import pathname2url

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from intake_server.storage.database import DurabilityError

BACKUP_MODE = 0o600
# How many lines of a failed integrity check to repeat in the error; the rest add nothing.
PROBLEMS_SHOWN = 3
POSTGRES_ADVICE = (
    "`flask db backup` copies SQLite databases only, and DATABASE_URL points to PostgreSQL. "
    "Back it up with pg_dump instead (pg_dump --format=custom --file=intake.dump ...); "
    "see 'Backups' in docs/deploy.md."
)


class BackupError(RuntimeError):
    """The backup was not made, or did not verify. The message says why; it never holds PHI."""


class BackupUnsupported(BackupError):
    """The database is not SQLite, so it has its own backup tool (pg_dump for PostgreSQL)."""


@dataclass(frozen=True)
class BackupResult:
    """What was written: enough for an operator (or cron's mail) to see that it worked."""

    path: Path
    size: int
    submissions: int


def backup_sqlite(engine: Engine, dest: str | os.PathLike[str]) -> BackupResult:
    """Write a consistent, verified copy of the engine's SQLite database to `dest`.

    Safe while the service runs. Refuses to overwrite anything at `dest`, so a mistyped path
    cannot destroy an older backup (or the database itself). Raises BackupUnsupported for other
    databases and BackupError for everything else that goes wrong.
    """
    if engine.dialect.name != "sqlite":
        raise BackupUnsupported(POSTGRES_ADVICE)
    source = _source_file(engine)
    # Absolute, so SQLite can never read the name as a file: URI.
    target = Path(dest).absolute()
    _create_private(target)
    try:
        _vacuum_into(engine, target)
        _flush(target)
        problems = _integrity_problems(target)
        if problems:
            raise BackupError(
                f"the copy failed PRAGMA integrity_check ({len(problems)} problems, first: "
                f"{'; '.join(problems[:PROBLEMS_SHOWN])}); it was deleted. Check the database "
                f"itself: sqlite3 {source} 'PRAGMA integrity_check'"
            )
        submissions = _count_submissions(target)
    except BaseException:
        # A partial or unverified copy must not be mistaken for a backup later.
        target.unlink(missing_ok=True)
        raise
    return BackupResult(path=target, size=target.stat().st_size, submissions=submissions)


def _source_file(engine: Engine) -> Path:
    """The database file, which must already exist: connecting would create an empty one."""
    database = engine.url.database
    if not database or database == ":memory:" or "uri" in engine.url.query:
        raise BackupError("only a SQLite database in a file (sqlite:///path) can be backed up")
    path = Path(database)
    if not path.is_file():
        raise BackupError(f"there is no database at {path}: check DATABASE_URL")
    return path


def _create_private(target: Path) -> None:
    """Create `target` empty and owner-only, failing if anything is there already.

    VACUUM INTO accepts an empty file, so the copy inherits this mode and is never readable by
    others, not even for the moment before a chmod. O_EXCL makes the refusal race-free.
    """
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, BACKUP_MODE)
    except FileExistsError:
        raise BackupError(
            f"{target} already exists; refusing to overwrite it (choose a new name, "
            "for example one with the date in it)"
        ) from None
    except OSError as exc:
        raise BackupError(f"cannot create {target}: {exc.strerror}") from None
    try:
        # The umask may have taken bits away; set exactly owner read and write.
        os.fchmod(fd, BACKUP_MODE)
    finally:
        os.close(fd)


def _vacuum_into(engine: Engine, target: Path) -> None:
    """Run VACUUM INTO on a connection configured like the service's own (busy_timeout, WAL).

    The raw driver connection is used because VACUUM cannot run inside a transaction, and
    SQLAlchemy's connections on this engine always begin one (see database._begin_sqlite).
    """
    try:
        raw = engine.raw_connection()
    except (SQLAlchemyError, DurabilityError) as exc:
        raise BackupError(f"cannot open the database: {exc.__class__.__name__}") from exc
    try:
        cursor = raw.cursor()
        try:
            cursor.execute("VACUUM INTO ?", (str(target),))
        finally:
            cursor.close()
    except sqlite3.Error as exc:
        raise BackupError(f"VACUUM INTO failed: {exc}") from exc
    finally:
        raw.close()


def _flush(target: Path) -> None:
    """Put the copy and its directory entry on disk: SQLite does not sync VACUUM INTO's output."""
    with target.open("rb") as copy:
        os.fsync(copy.fileno())
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _open_copy(target: Path) -> sqlite3.Connection:
    """Read-only, so checking the copy cannot change it (or turn it into WAL mode)."""
    return sqlite3.connect(f"file:{pathname2url(str(target))}?mode=ro", uri=True)


def _integrity_problems(target: Path) -> list[str]:
    """PRAGMA integrity_check's findings on the copy: an empty list means it is sound."""
    try:
        connection = _open_copy(target)
        try:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        return [f"cannot read the copy: {exc}"]
    findings = [str(row[0]) for row in rows]
    return [] if findings == ["ok"] else findings


def _count_submissions(target: Path) -> int:
    """How many submissions the copy holds; also proves it is the intake database."""
    try:
        connection = _open_copy(target)
        try:
            return int(connection.execute("SELECT count(*) FROM submissions").fetchone()[0])
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise BackupError(
            f"the copy has no readable submissions table ({exc}); it was deleted. Is DATABASE_URL "
            "the intake database, and has `flask --app intake_server db upgrade` been run?"
        ) from exc
