"""Shared fixtures (helpers live in tests/helpers). Tests that need a real browser, PostgreSQL or
Redis skip on a laptop without them, and fail under CI=true, where everything must be present."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from site_templates.content_check import translations
from testkit.browser import CHROMIUM, CHROMIUM_ARGS
from testkit.postgres import POSTGRES_URL, fresh_schema
from testkit.site import build_site, copy_project
from tests.helpers.app import Clock, LiveServer, make_app
from tests.helpers.browser import PageWatch
from tests.helpers.environment import REDIS_URL, ROOT, need
from tests.helpers.staff import ADMIN, Harness

# --- The site ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once for the whole run."""
    out = tmp_path_factory.mktemp("site")
    result = build_site(ROOT, out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the project that a test may change freely and build: the facts, the pages and
    site_templates/ (theme overrides, macros and the content check)."""
    dest = copy_project(ROOT, tmp_path / "project")
    # Tests start where every Spanish page is current, so the warnings they read are their own;
    # the real site's out-of-date Spanish pages stay warnings in `make check-content`.
    spanish = [str(p) for p in (dest / "content").rglob("*.es.md")]
    assert translations.stamp(dest, spanish) == 0
    return dest


# --- Databases and Redis -------------------------------------------------------------------


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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend; the SQLite folder does not exist yet on purpose."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'instance' / 'intake.db'}"
    else:
        with fresh_schema(request.getfixturevalue("postgres_url")) as url:
            yield url


@pytest.fixture
def engine(database_url: str):
    """An engine on a database migrated to head, the way the service starts."""
    from intake_server.storage import make_engine, upgrade

    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'intake.sqlite3'}"


# --- The intake service --------------------------------------------------------------------


@pytest.fixture
def clock() -> Clock:
    """The time of the `app` fixture's stores: now, until the test moves it."""
    return Clock()


@pytest.fixture
def app(site_dir: Path, sqlite_url: str, clock: Clock):
    return make_app(site_dir, sqlite_url, clock=clock)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def harness(app, clock: Clock) -> Harness:
    """The `app` fixture with helpers to make staff accounts and sign them in."""
    return Harness(app, clock)


@pytest.fixture
def admin(harness: Harness) -> str:
    """An admin (ADMIN) with an enrolled authenticator; its TOTP secret."""
    secret = harness.user(ADMIN, "admin")
    assert secret
    return secret


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


@pytest.fixture
def phone_page(browser, live_server: LiveServer):
    """A page the size of a small phone (360 x 740), watched (page.watch) for what it fetches."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.watch = PageWatch(page, live_server.url)
    yield page
    context.close()
