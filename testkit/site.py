"""Building the site the way `make site` does, for the tests and the benchmarks alike."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from testkit.service import ROOT


def build_site(
    project: Path, site_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Build a project's site with `mkdocs build --strict`; returns the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def built_site(site_dir: Path) -> Path:
    """The real site, built into `site_dir`; a failed build is an error, with mkdocs' output."""
    result = build_site(ROOT, site_dir)
    if result.returncode != 0:
        raise RuntimeError(f"site build failed:\n{result.stderr}")
    return site_dir


@contextmanager
def served_site(work: Path) -> Iterator[str]:
    """The real site, freshly built into `work`, served by the real service (gunicorn, with a
    new SQLite database beside it) as visitors get it; yields its URL. For Lighthouse and the
    screenshots, which must see the forms inside the site's pages too."""
    from testkit.service import Deployment, Service

    site = built_site(work / "site")
    deployment = Deployment(site, f"sqlite:///{work / 'intake.sqlite3'}")
    deployment.upgrade()
    with Service(deployment) as service:
        yield service.url
