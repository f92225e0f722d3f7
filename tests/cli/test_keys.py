"""`flask keys generate|reencrypt`: a new key, then every value moved to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import InvalidToken

from intake_server.services import services
from intake_server.storage import Keyring, SubmissionStore, generate_key, make_engine
from tests.helpers.app import make_app
from tests.helpers.storage import store_submission

KEY_A = generate_key()


def test_the_keys_commands_rotate_from_the_command_line(site_dir: Path, tmp_path: Path) -> None:
    """`keys generate`, then `keys reencrypt` under NEW,OLD; the old key alone then reads nothing."""
    url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    app = make_app(site_dir, url, ENCRYPTION_KEYS=KEY_A)
    reference = store_submission(services(app).submissions)

    new = app.test_cli_runner().invoke(args=["keys", "generate"]).output.strip()
    Keyring([new])  # a valid key
    rotated = make_app(site_dir, url, ENCRYPTION_KEYS=f"{new},{KEY_A}")
    result = rotated.test_cli_runner().invoke(args=["keys", "reencrypt", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 1 values in submissions.payload" in result.output
    assert SubmissionStore(make_engine(url), Keyring([new])).get(reference) is not None
    with pytest.raises(InvalidToken):
        SubmissionStore(make_engine(url), Keyring([KEY_A])).get(reference)


def test_reindex_fills_rows_stored_before_the_index_existed(site_dir: Path, tmp_path: Path) -> None:
    """After the upgrade to 0006, old rows have no derived columns until `keys reindex`."""
    import sqlalchemy as sa

    from intake_server.storage.models import Submission

    url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    app = make_app(site_dir, url, ENCRYPTION_KEYS=KEY_A)
    reference = store_submission(services(app).submissions)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.update(Submission).values(phone_index=None, contact_method=None))
    result = app.test_cli_runner().invoke(args=["keys", "reindex"])
    assert result.exit_code == 0, result.output
    assert "re-indexed 1 submissions" in result.output
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(Submission.phone_index, Submission.contact_method).where(
                Submission.reference == reference
            )
        ).one()
    assert row.phone_index is not None and row.contact_method == "call"
