"""Schema migrations, shipped inside the package so a deployed service can upgrade its own
database without an alembic.ini or a checkout of the repository."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent


def _config(database_url: str = "") -> Config:
    config = Config(attributes={"database_url": database_url})
    # Config values go through configparser, where a bare % starts an interpolation.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    """Bring the database at `database_url` to the newest schema; a no-op if it already is."""
    command.upgrade(_config(database_url), "head")


def head_revision() -> str:
    """The newest schema version this code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()
