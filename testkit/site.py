"""Building the site the way `make site` does, for the tests and the benchmarks alike, with either
engine: MkDocs (`mkdocs build --strict`) or Zensical (`zensical-i18n build --strict`, which runs
Zensical once per language). SITE_ENGINE picks the default, as it does for `make site`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from testkit.service import ROOT

ENGINES = ("mkdocs", "zensical")
# The default engine, chosen by measurement (docs/benchmarks.md); the Makefile names the same.
DEFAULT_ENGINE = "mkdocs"
# What a project is made of (tests/conftest.py's project_copy copies the same).
PROJECT_FILES = ("mkdocs.yml", "clinic.yml")
PROJECT_DIRS = ("content", "site_templates")


def site_engine(engine: str | None = None) -> str:
    """The engine to build with: the one asked for, else SITE_ENGINE, else the default."""
    engine = engine or os.environ.get("SITE_ENGINE") or DEFAULT_ENGINE
    if engine not in ENGINES:
        raise ValueError(f"SITE_ENGINE must be one of {', '.join(ENGINES)}, not {engine!r}")
    return engine


def engine_command(engine: str) -> list[str]:
    """The strict build command of an engine, run in the project's folder."""
    if site_engine(engine) == "zensical":
        return [sys.executable, "-m", "zensical_i18n", "build", "--strict"]
    return [sys.executable, "-m", "mkdocs", "build", "--strict"]


def copy_project(project: Path, dest: Path) -> Path:
    """A copy of a project's site sources (its facts, pages and site_templates/) in `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        shutil.copy2(project / name, dest / name)
    for name in PROJECT_DIRS:
        shutil.copytree(project / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def build_site(
    project: Path,
    site_dir: Path,
    env: dict[str, str] | None = None,
    engine: str | None = None,
) -> subprocess.CompletedProcess:
    """Build a project's site into `site_dir` with a strict build; returns the finished process.

    zensical-i18n writes only into the project's own site/ (and keeps its work files beside it),
    so a Zensical build runs in a temporary copy of the project and its site/ is copied out."""
    run_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}

    def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            command, cwd=cwd, env=run_env, capture_output=True, text=True, timeout=300, check=False
        )

    if site_engine(engine) == "mkdocs":
        return run([*engine_command("mkdocs"), "--site-dir", str(site_dir)], project)
    with tempfile.TemporaryDirectory(prefix="zensical-build-") as tmp:
        work = copy_project(project, Path(tmp) / "project")
        result = run(engine_command("zensical"), work)
        if result.returncode == 0:
            shutil.copytree(work / "site", site_dir, dirs_exist_ok=True)
        return result


def built_site(site_dir: Path, engine: str | None = None) -> Path:
    """The real site, built into `site_dir`; a failed build is an error, with the engine's output."""
    result = build_site(ROOT, site_dir, engine=engine)
    if result.returncode != 0:
        raise RuntimeError(f"site build failed:\n{result.stdout}\n{result.stderr}")
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
