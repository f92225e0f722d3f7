"""The submission store against real SQLite files and a real PostgreSQL server: stored before it
is acknowledged, once per form, encrypted at rest, and nothing half-written after a failure.

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

import pytest
import sqlalchemy as sa

from intake_server.storage import (
    StorageUnavailable,
    Submission,
    SubmissionStore,
    make_engine,
    submissions,
    upgrade,
)
from testkit.postgres import fresh_schema
from tests.helpers.storage import (
    KEYRING,
    MARKER,
    MARKER_ACCENTED,
    count_submissions,
    failing_commits,
    store_submission,
)
from tests.helpers.storage import marked_answers as answers
from tests.helpers.threads import run_together

REFERENCE_PATTERN = re.compile(r"^[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}$")


def new_key() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture
def store(engine: sa.Engine) -> SubmissionStore:
    return SubmissionStore(engine, KEYRING)


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "intake.db"


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[sa.Engine]:
    with fresh_schema(postgres_url) as url:
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


# The store, on both backends


def test_add_then_get_round_trips(store: SubmissionStore, engine, database_url: str) -> None:
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
        stored = SubmissionStore(other, KEYRING).get(receipt.reference)
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
    assert count_submissions(engine) == 1


def test_get_forgives_how_the_reference_was_typed(store: SubmissionStore) -> None:
    receipt = store.add("consultation", answers(), urgent=False, idempotency_key=new_key())
    typed = receipt.reference.replace("-", " ").lower()
    stored = store.get(typed)
    assert stored is not None
    assert stored["reference"] == receipt.reference
    assert store.get("AAAA-AAAA") is None
    assert store.get("not a reference") is None


def test_same_idempotency_key_gives_one_row(store: SubmissionStore, engine) -> None:
    key = new_key()
    first = store.add("consultation", answers(), urgent=False, idempotency_key=key)
    again = store.add("consultation", answers(extra="retried"), urgent=False, idempotency_key=key)

    assert first.created
    assert not again.created
    assert again.reference == first.reference
    assert again.received_at == first.received_at
    assert count_submissions(engine) == 1
    stored = store.get(first.reference)
    assert stored is not None
    assert stored["payload"] == answers()


def test_simultaneous_double_submit_gives_one_row(store: SubmissionStore, engine) -> None:
    key = new_key()
    receipts = run_together(
        8, lambda _: store.add("assessment", answers(), urgent=False, idempotency_key=key)
    )
    assert len({receipt.reference for receipt in receipts}) == 1
    assert sum(receipt.created for receipt in receipts) == 1
    assert count_submissions(engine) == 1


def test_simultaneous_different_submissions_all_saved(store: SubmissionStore, engine) -> None:
    receipts = run_together(
        8, lambda i: store.add("assessment", answers(n=i), urgent=False, idempotency_key=new_key())
    )
    assert all(receipt.created for receipt in receipts)
    assert len({receipt.reference for receipt in receipts}) == 8
    assert count_submissions(engine) == 8


def test_reference_collision_is_retried(
    store: SubmissionStore, engine, monkeypatch: pytest.MonkeyPatch
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
    assert count_submissions(engine) == 2


def test_bad_arguments_store_nothing(store: SubmissionStore, engine) -> None:
    with pytest.raises(ValueError, match="kind"):
        store.add("therapy", answers(), urgent=False, idempotency_key=new_key())
    with pytest.raises(ValueError, match="idempotency_key"):
        store.add("assessment", answers(), urgent=False, idempotency_key="")
    with pytest.raises(ValueError, match="idempotency_key"):
        store.add("assessment", answers(), urgent=False, idempotency_key="k" * 65)
    assert count_submissions(engine) == 0


def test_the_language_is_stored_in_the_clear_and_read_back(
    store: SubmissionStore, engine: sa.Engine
) -> None:
    spanish = store.add(
        "consultation", answers(), urgent=False, idempotency_key=new_key(), language="es"
    )
    english = store.add("consultation", answers(), urgent=False, idempotency_key=new_key())
    assert spanish.language == "es" and english.language == "en"
    assert store.get(spanish.reference)["language"] == "es"
    assert store.get(english.reference)["language"] == "en"
    with engine.connect() as conn:  # metadata: readable without any key
        stored = dict(conn.execute(sa.select(Submission.reference, Submission.language)).all())
    assert stored == {spanish.reference: "es", english.reference: "en"}
    with pytest.raises(ValueError, match="language"):
        store.add("consultation", answers(), urgent=False, idempotency_key=new_key(), language="fr")
    # The database refuses an unknown language too, whoever writes it.
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.update(Submission).values(language="fr"))
    assert count_submissions(engine) == 2


def test_failure_before_commit_rolls_back(store: SubmissionStore, engine: sa.Engine) -> None:
    key = new_key()
    with failing_commits(engine), pytest.raises(StorageUnavailable) as caught:
        store.add("assessment", answers(), urgent=True, idempotency_key=key)
    assert MARKER not in str(caught.value)
    assert isinstance(caught.value.__cause__, sa.exc.OperationalError)

    # Rolled back: a connection of its own sees no row, and the store reads none.
    assert count_submissions(engine) == 0
    # The person's retry (same form, same key) is saved as new: nothing half-written was left.
    assert store.add("assessment", answers(), urgent=True, idempotency_key=key).created
    assert count_submissions(engine) == 1


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
    reference = store_submission(
        SubmissionStore(engine, KEYRING), "assessment", answers(), urgent=True
    )
    companions = [sqlite_path.with_name(sqlite_path.name + suffix) for suffix in ("-wal", "-shm")]
    # While the engine is open the new row lives in the WAL file: check the files as they are.
    assert companions[0].stat().st_size > 0
    files = [sqlite_path, *companions]
    everything = b"".join(path.read_bytes() for path in files)
    assert reference.encode() in everything  # the files read are the ones holding the row
    for path in files:
        assert_no_plaintext(path.read_bytes(), path.name)

    engine.dispose()  # the last connection closing checkpoints the WAL into the main file
    for path in [sqlite_path, *companions]:
        if path.exists():
            assert_no_plaintext(path.read_bytes(), f"{path.name} after checkpoint")
    assert reference.encode() in sqlite_path.read_bytes()


@pytest.mark.postgres
def test_postgres_rows_hold_no_plaintext(postgres_engine: sa.Engine) -> None:
    reference = store_submission(
        SubmissionStore(postgres_engine, KEYRING), "assessment", answers(), urgent=True
    )
    with postgres_engine.connect() as conn:
        payload = conn.execute(sa.text("select payload from submissions")).scalar_one()
        whole_row = conn.execute(sa.text("select s::text from submissions s")).scalar_one()
    assert isinstance(payload, bytes)
    assert_no_plaintext(payload, "the payload column")
    assert reference in whole_row
    assert_no_plaintext(whole_row.encode(), "the row as text")
