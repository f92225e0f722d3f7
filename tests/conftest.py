"""Shared fixtures. Tests that need a real browser or PostgreSQL skip on a laptop without them,
and fail under CI=true, where everything must be present."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def need(available: bool, reason: str) -> None:
    """Skip for a missing dependency on a laptop; under CI that is a failure, never a skip."""
    if not available:
        if IN_CI:
            pytest.fail(f"required in CI: {reason}")
        pytest.skip(reason)


def build_site(
    project: Path, site_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Build a project's site the way `make` does; returns the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=project,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once for the whole run."""
    out = tmp_path_factory.mktemp("site")
    result = build_site(ROOT, out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the project that a test may change freely and build."""
    dest = tmp_path / "project"
    dest.mkdir()
    for name in ("mkdocs.yml", "clinic.yml"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("content", "site_templates"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A reachable PostgreSQL database, or a skip (a failure in CI)."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        ok, reason = True, ""
    except Exception as exc:  # any failure to connect means "not available here"
        ok, reason = False, f"PostgreSQL not reachable at {POSTGRES_URL}: {exc.__class__.__name__}"
    need(ok, reason)
    yield POSTGRES_URL
