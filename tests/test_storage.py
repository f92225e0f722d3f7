"""The storage layer against real SQLite files and a real PostgreSQL server.

Store tests run once per backend through the `database_url` fixture; PostgreSQL tests get a schema
of their own that is dropped afterwards, so they can run in any order and again.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import postgres_schema, run_together
from cryptography.fernet import InvalidToken

from intake_server.migrations import head_revision
from intake_server.storage import (
    Keyring,
    StorageUnavailable,
    SubmissionStore,
    generate_key,
    make_engine,
    new_reference,
    normalise_reference,
    submissions,
    upgrade,
)
from intake_server.storage.models import Base, StaffUser, Submission
from intake_server.storage.rotation import ENCRYPTED_COLUMNS, reencrypt_all
from intake_server.storage.work import WorkStore

KEY_A = generate_key()
KEY_B = generate_key()
MARKER = "ZEBRA-MARKER-8841"
MARKER_ACCENTED = "Zoë-Þórsdóttir-MARKER-5530"
REFERENCE_PATTERN = re.compile(r"^[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}$")


def answers(**extra: Any) -> dict[str, Any]:
    """A submission as the form would send it, with PHI-like marker strings in it."""
    return {
        "name": f"{MARKER} {MARKER_ACCENTED}",
        "phone": "+15555550123",
        "message": f"I have not slept in days. {MARKER}",
        "problems": ["anxiety", "sleep"],
        **extra,
    }


def new_key() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture
def store(engine: sa.Engine) -> SubmissionStore:
    return SubmissionStore(engine, Keyring([KEY_A]))


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "intake.db"


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[sa.Engine]:
    with postgres_schema(postgres_url) as url:
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


# Keyring


def test_keyring_round_trips_and_rotates() -> None:
    old = Keyring([KEY_A])
    token = old.encrypt(answers())
    assert old.decrypt(token) == answers()

    rotated = Keyring([KEY_B, KEY_A]).rotate(token)
    assert Keyring([KEY_B]).decrypt(rotated) == answers()
    with pytest.raises(InvalidToken):
        old.decrypt(rotated)


def test_keyring_from_string_writes_with_the_first_key() -> None:
    keyring = Keyring.from_string(f" {KEY_B} , {KEY_A},")
    assert keyring.decrypt(Keyring([KEY_A]).encrypt({"a": 1})) == {"a": 1}
    assert Keyring([KEY_B]).decrypt(keyring.encrypt({"b": 2})) == {"b": 2}


@pytest.mark.parametrize(
    "bad",
    ["not-a-fernet-key-but-secret-text", KEY_A[:-4], "é" * 44],
    ids=["not-base64", "truncated", "not-ascii"],
)
def test_invalid_key_is_named_but_never_echoed(bad: str) -> None:
    with pytest.raises(ValueError, match="key 2 of 2 is not a valid Fernet key") as caught:
        Keyring([KEY_A, bad])
    assert bad not in str(caught.value)
    assert KEY_A not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize("text", ["", " , "])
def test_empty_keyring_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        Keyring.from_string(text)


# Reference codes


def test_references_are_unique_and_unambiguous() -> None:
    references = {new_reference() for _ in range(1000)}
    assert len(references) == 1000
    assert all(REFERENCE_PATTERN.match(reference) for reference in references)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7kxm-q4tz", "7KXM-Q4TZ"),
        ("7KXMQ4TZ", "7KXM-Q4TZ"),
        (" 7kx m q4tz ", "7KXM-Q4TZ"),
        ("7KXM\u2013Q4TZ", "7KXM-Q4TZ"),  # an en dash, as phones autocorrect it
        # Full-width characters, as some phone keyboards type them.
        ("".join(chr(ord(ch) + 0xFEE0) for ch in "7KXM-Q4TZ"), "7KXM-Q4TZ"),
        ("7KXM-Q4TU", "7KXM-Q4TV"),  # U is never issued; it is a misread V
        ("7KXM-Q4T", None),
        ("7KXM-Q4TZZ", None),
        ("7KXM-Q40Z", None),  # 0, O, 1, I and L are never issued: no single reading
        ("7KXM-QOTZ", None),
        ("7KXM-Q1TZ", None),
        ("", None),
    ],
)
def test_normalise_reference(typed: str, expected: str | None) -> None:
    assert normalise_reference(typed) == expected


# Engines


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
        assert path.exists()
    finally:
        engine.dispose()


def test_sqlite_without_wal_is_refused() -> None:
    engine = make_engine("sqlite://")  # in memory: journal_mode cannot be WAL
    with pytest.raises(RuntimeError, match="durable"), engine.connect():
        pass
    with pytest.raises(StorageUnavailable):
        SubmissionStore(engine, Keyring([KEY_A])).ping()


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


# The store, on both backends


def test_add_then_get_round_trips(store: SubmissionStore, database_url: str) -> None:
    before = datetime.now(UTC)
    receipt = store.add("assessment", answers(), urgent=True, idempotency_key=new_key())

    assert receipt.created
    assert REFERENCE_PATTERN.match(receipt.reference)
    assert (receipt.kind, receipt.urgent) == ("assessment", True)
    assert receipt.received_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= receipt.received_at <= datetime.now(UTC)

    # A separate engine sees the row: add() returned after the commit, not before.
    other = make_engine(database_url)
    try:
        stored = SubmissionStore(other, Keyring([KEY_A])).get(receipt.reference)
    finally:
        other.dispose()
    assert stored is not None
    assert stored["payload"] == answers()
    assert stored["status"] == "new"
    assert (stored["kind"], stored["urgent"]) == ("assessment", True)
    assert stored["received_at"] == receipt.received_at
    assert stored["received_at"].tzinfo is not None
    assert stored["received_at"].utcoffset() == timedelta(0)
    assert stored["updated_at"].utcoffset() == timedelta(0)
    assert store.count() == 1


def test_get_forgives_how_the_reference_was_typed(store: SubmissionStore) -> None:
    receipt = store.add("consultation", answers(), urgent=False, idempotency_key=new_key())
    typed = receipt.reference.replace("-", " ").lower()
    stored = store.get(typed)
    assert stored is not None
    assert stored["reference"] == receipt.reference
    assert store.get("AAAA-AAAA") is None
    assert store.get("not a reference") is None


def test_same_idempotency_key_gives_one_row(store: SubmissionStore) -> None:
    key = new_key()
    first = store.add("consultation", answers(), urgent=False, idempotency_key=key)
    again = store.add("consultation", answers(extra="retried"), urgent=False, idempotency_key=key)

    assert first.created
    assert not again.created
    assert again.reference == first.reference
    assert again.received_at == first.received_at
    assert store.count() == 1
    stored = store.get(first.reference)
    assert stored is not None
    assert stored["payload"] == answers()


def test_simultaneous_double_submit_gives_one_row(store: SubmissionStore) -> None:
    key = new_key()
    receipts = run_together(
        8, lambda _: store.add("assessment", answers(), urgent=False, idempotency_key=key)
    )
    assert len({receipt.reference for receipt in receipts}) == 1
    assert sum(receipt.created for receipt in receipts) == 1
    assert store.count() == 1


def test_simultaneous_different_submissions_all_saved(store: SubmissionStore) -> None:
    receipts = run_together(
        8, lambda i: store.add("assessment", answers(n=i), urgent=False, idempotency_key=new_key())
    )
    assert all(receipt.created for receipt in receipts)
    assert len({receipt.reference for receipt in receipts}) == 8
    assert store.count() == 8


def test_reference_collision_is_retried(
    store: SubmissionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = iter(["AAAA-AAAA", "AAAA-AAAA", "BBBB-BBBB"])
    monkeypatch.setattr(submissions, "new_reference", lambda: next(codes))
    first = store.add("consultation", answers(), urgent=False, idempotency_key=new_key())
    second = store.add("consultation", answers(), urgent=False, idempotency_key=new_key())
    assert (first.reference, second.reference) == ("AAAA-AAAA", "BBBB-BBBB")
    assert second.created

    monkeypatch.setattr(submissions, "new_reference", lambda: "AAAA-AAAA")
    with pytest.raises(StorageUnavailable):
        store.add("consultation", answers(), urgent=False, idempotency_key=new_key())
    assert store.count() == 2


def test_bad_arguments_store_nothing(store: SubmissionStore) -> None:
    with pytest.raises(ValueError, match="kind"):
        store.add("therapy", answers(), urgent=False, idempotency_key=new_key())
    with pytest.raises(ValueError, match="idempotency_key"):
        store.add("assessment", answers(), urgent=False, idempotency_key="")
    with pytest.raises(ValueError, match="idempotency_key"):
        store.add("assessment", answers(), urgent=False, idempotency_key="k" * 65)
    assert store.count() == 0


def test_key_rotation_moves_every_encrypted_column_to_the_new_key(engine: sa.Engine) -> None:
    """Submissions, staff notes and authenticator secrets all move; a purged (empty) payload is
    skipped; afterwards the old key can go."""
    from bench.service import create_enrolled_account
    from intake_server.storage.audit import Actor
    from intake_server.storage.staff import StaffStore

    old = Keyring([KEY_A])
    receipts = [
        SubmissionStore(engine, old).add(
            "consultation", answers(n=i), urgent=False, idempotency_key=new_key()
        )
        for i in range(5)
    ]
    secret = create_enrolled_account(StaffStore(engine, old), "ana@example.org", "staff", "pw")
    with engine.begin() as conn:
        ana_id = conn.scalar(sa.select(StaffUser.id).where(StaffUser.email == "ana@example.org"))
        conn.execute(
            sa.update(Submission)
            .where(Submission.reference == receipts[4].reference)
            .values(payload=None)  # what purge leaves behind
        )
    ana = Actor(id=ana_id, email="ana@example.org", client_addr=None)
    WorkStore(engine, old).add_note(receipts[0].reference, ana, "Left a voicemail")

    counts = reencrypt_all(engine, Keyring([KEY_B, KEY_A]), batch_size=2)
    assert counts == {
        "submissions.payload": 4,
        "submission_events.note": 1,
        "staff_users.totp_secret": 1,
    }

    new_only = Keyring([KEY_B])
    for i, receipt in enumerate(receipts[:4]):
        stored = SubmissionStore(engine, new_only).get(receipt.reference)
        assert stored is not None and stored["payload"] == answers(n=i)
    notes = WorkStore(engine, new_only).detail(receipts[0].reference)["timeline"]
    assert [e["note"] for e in notes if e["note"]] == ["Left a voicemail"]
    with engine.connect() as conn:
        totp = conn.scalar(sa.select(StaffUser.totp_secret).where(StaffUser.id == ana_id))
    assert new_only.decrypt(totp) == {"totp": secret}
    with pytest.raises(InvalidToken):
        SubmissionStore(engine, old).get(receipts[0].reference)


def test_a_purge_during_rotation_is_not_undone(engine: sa.Engine) -> None:
    """Rotation reads a batch, then writes it back: a purge that lands in between must stand."""
    old = Keyring([KEY_A])
    receipt = SubmissionStore(engine, old).add(
        "consultation", answers(), urgent=False, idempotency_key=new_key()
    )

    class PurgedMeanwhile(Keyring):
        def rotate(self, token: bytes) -> bytes:
            with engine.begin() as conn:  # the retention job, on another connection
                conn.execute(
                    sa.update(Submission)
                    .where(Submission.reference == receipt.reference)
                    .values(payload=None)
                )
            return super().rotate(token)

    reencrypt_all(engine, PurgedMeanwhile([KEY_B, KEY_A]))
    stored = SubmissionStore(engine, Keyring([KEY_B])).get(receipt.reference)
    assert stored is not None and stored["payload"] is None


def test_every_encrypted_column_is_rotated() -> None:
    """A new binary (ciphertext) column must join the rotation, or an old key could never go."""
    binary = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, sa.LargeBinary)
    }
    rotated = {f"{c.class_.__tablename__}.{c.key}" for c in ENCRYPTED_COLUMNS}
    assert rotated == binary


def test_reencrypt_of_an_empty_database(engine: sa.Engine) -> None:
    assert set(reencrypt_all(engine, Keyring([KEY_A])).values()) == {0}


def test_failure_before_commit_rolls_back(engine: sa.Engine) -> None:
    def disk_fails() -> None:
        raise OSError("disk I/O error")

    failing = SubmissionStore(engine, Keyring([KEY_A]), fail_before_commit=disk_fails)
    key = new_key()
    with pytest.raises(StorageUnavailable) as caught:
        failing.add("assessment", answers(), urgent=True, idempotency_key=key)
    assert MARKER not in str(caught.value)
    assert isinstance(caught.value.__cause__, OSError)

    healthy = SubmissionStore(engine, Keyring([KEY_A]))
    assert healthy.count() == 0
    # The person's retry (same form, same key) is saved as new: nothing half-written was left.
    assert healthy.add("assessment", answers(), urgent=True, idempotency_key=key).created
    assert healthy.count() == 1


def test_migrations_match_the_models(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


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
    store = SubmissionStore(engine, Keyring([KEY_A]))
    try:
        with pytest.raises(StorageUnavailable):
            store.ping()
        with pytest.raises(StorageUnavailable) as caught:
            store.add("assessment", answers(), urgent=True, idempotency_key=new_key())
        assert MARKER not in str(caught.value)
        assert MARKER not in str(caught.value.__cause__)
        with pytest.raises(StorageUnavailable):
            store.get("7KXM-Q4TZ")
    finally:
        engine.dispose()


# Nothing readable at rest


def needles() -> list[bytes]:
    """Every way the markers could show up in a file: any case, UTF-8, UTF-16, JSON-escaped."""
    found = []
    for marker in (MARKER, MARKER_ACCENTED):
        for text in {marker, marker.lower(), marker.upper(), json.dumps(marker)[1:-1]}:
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                found.append(text.encode(encoding))
    return found


def assert_no_plaintext(data: bytes, where: str) -> None:
    for needle in needles():
        assert needle not in data, f"{needle!r} found in {where}"


def test_sqlite_files_hold_no_plaintext(sqlite_path: Path) -> None:
    url = f"sqlite:///{sqlite_path}"
    upgrade(url)
    engine = make_engine(url)
    receipt = SubmissionStore(engine, Keyring([KEY_A])).add(
        "assessment", answers(), urgent=True, idempotency_key=new_key()
    )
    companions = [sqlite_path.with_name(sqlite_path.name + suffix) for suffix in ("-wal", "-shm")]
    # While the engine is open the new row lives in the WAL file: check the files as they are.
    assert companions[0].stat().st_size > 0
    files = [sqlite_path, *companions]
    everything = b"".join(path.read_bytes() for path in files)
    assert receipt.reference.encode() in everything  # the files read are the ones holding the row
    for path in files:
        assert_no_plaintext(path.read_bytes(), path.name)

    engine.dispose()  # the last connection closing checkpoints the WAL into the main file
    for path in [sqlite_path, *companions]:
        if path.exists():
            assert_no_plaintext(path.read_bytes(), f"{path.name} after checkpoint")
    assert receipt.reference.encode() in sqlite_path.read_bytes()


@pytest.mark.postgres
def test_postgres_rows_hold_no_plaintext(postgres_engine: sa.Engine) -> None:
    receipt = SubmissionStore(postgres_engine, Keyring([KEY_A])).add(
        "assessment", answers(), urgent=True, idempotency_key=new_key()
    )
    with postgres_engine.connect() as conn:
        payload = conn.execute(sa.text("select payload from submissions")).scalar_one()
        whole_row = conn.execute(sa.text("select s::text from submissions s")).scalar_one()
    assert isinstance(payload, bytes)
    assert_no_plaintext(payload, "the payload column")
    assert receipt.reference in whole_row
    assert_no_plaintext(whole_row.encode(), "the row as text")


# Migrations


def test_upgrade_creates_the_tables_and_can_run_again(sqlite_path: Path) -> None:
    sqlite_path.touch()
    url = f"sqlite:///{sqlite_path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        assert {"submissions", "alembic_version"} <= set(sa.inspect(engine).get_table_names())
        store = SubmissionStore(engine, Keyring([KEY_A]))
        receipt = store.add("consultation", answers(), urgent=False, idempotency_key=new_key())

        upgrade(url)

        with engine.connect() as conn:
            versions = conn.execute(sa.text("select version_num from alembic_version")).all()
        assert versions == [(head_revision(),)]
        assert store.get(receipt.reference) is not None
    finally:
        engine.dispose()


def test_the_keys_commands_rotate_from_the_command_line(site_dir: Path, tmp_path: Path) -> None:
    """`keys generate`, then `keys reencrypt` under NEW,OLD; the old key alone then reads nothing."""
    from conftest import make_app
    from form_client import CONSULTATION, reference_in, submit

    url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    app = make_app(site_dir, url, ENCRYPTION_KEYS=KEY_A)
    client = app.test_client()
    submit(client, "/consultation/", CONSULTATION)
    reference = reference_in(client.get("/received/").get_data(as_text=True))

    new = app.test_cli_runner().invoke(args=["keys", "generate"]).output.strip()
    Keyring([new])  # a valid key
    rotated = make_app(site_dir, url, ENCRYPTION_KEYS=f"{new},{KEY_A}")
    result = rotated.test_cli_runner().invoke(args=["keys", "reencrypt", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 1 values in submissions.payload" in result.output
    assert SubmissionStore(make_engine(url), Keyring([new])).get(reference) is not None
    with pytest.raises(InvalidToken):
        SubmissionStore(make_engine(url), Keyring([KEY_A])).get(reference)
