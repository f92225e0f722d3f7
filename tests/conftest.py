"""Shared fixtures. Tests that need a real browser or PostgreSQL skip on a laptop without them,
and fail under CI=true, where everything must be present."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.postgres import POSTGRES_URL
from bench.postgres import fresh_schema as postgres_schema
from bench.report import CHROMIUM, CHROMIUM_ARGS
from bench.site import build_site

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def need(available: bool, reason: str) -> None:
    """Skip for a missing dependency on a laptop; under CI that is a failure, never a skip."""
    if not available:
        if IN_CI:
            pytest.fail(f"required in CI: {reason}")
        pytest.skip(reason)


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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend; the SQLite folder does not exist yet on purpose."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'instance' / 'intake.db'}"
    else:
        with postgres_schema(request.getfixturevalue("postgres_url")) as url:
            yield url


@pytest.fixture
def engine(database_url: str):
    """An engine on a database migrated to head, the way the service starts."""
    from intake_server.storage import make_engine, upgrade

    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released at the same moment; re-raise any failure."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def runner(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


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


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A reachable Redis, or a skip (a failure in CI). Tests keep apart by key prefix."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        ok, reason = True, ""
    except redis.exceptions.RedisError as exc:
        ok, reason = False, f"Redis not reachable at {REDIS_URL}: {exc.__class__.__name__}"
    need(ok, reason)
    return REDIS_URL


# --- The intake service --------------------------------------------------------------------


def app_config(site: Path, database_url: str, **extra: object) -> dict[str, object]:
    from cryptography.fernet import Fernet

    return {
        "INTAKE_ENV": "development",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url,
        "SITE_DIR": str(site),
        "RATELIMIT_ENABLED": False,
        **extra,
    }


def make_app(site: Path, database_url: str, **extra: object):
    from intake_server import create_app
    from intake_server.storage import upgrade

    upgrade(database_url)
    return create_app(app_config(site, database_url, **extra))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'intake.sqlite3'}"


@pytest.fixture
def app(site_dir: Path, sqlite_url: str):
    return make_app(site_dir, sqlite_url)


@pytest.fixture
def client(app):
    return app.test_client()


class LiveServer:
    """The real WSGI app on a loopback port, in a thread, for the browser to talk to."""

    def __init__(self, app) -> None:
        import threading

        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(site_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = tmp_path_factory.mktemp("live") / "intake.sqlite3"
    server = LiveServer(make_app(site_dir, f"sqlite:///{db}"))
    yield server
    server.stop()


# --- The browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    need(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class PageWatch:
    """What a page asked for and what went wrong, so tests can prove it stayed on its own host."""

    def __init__(self, page, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.failed.append(f"{r.url} HTTP {r.status}"),
        )
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def foreign(self) -> list[str]:
        return [u for u in self.requests if not u.startswith((self.origin, "data:", "blob:"))]


@pytest.fixture
def phone_page(browser, live_server: LiveServer):
    """A page the size of a small phone (360 x 740)."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.watch = PageWatch(page, live_server.url)
    yield page
    context.close()


def wait_for_focus(page, element_id: str) -> None:
    """Until #element_id has focus. Browsers apply `autofocus` at their next rendering step, a
    moment after the load event, so an immediate check would race it."""
    page.wait_for_function(
        "(id) => document.activeElement && document.activeElement.id === id", arg=element_id
    )


def axe_violations(page) -> list[str]:
    """axe-core (the copy axe-playwright-python ships) run on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
    return [
        f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
    ]
