"""The intake service in the test's own process: its settings, the app, a clock the test moves
by hand, and a live server for the browser."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from intake_server.storage import Clock as ClockType
from intake_server.storage import utc_now


class Clock:
    """A clock the test moves by hand: every store of an app made with it reads the time here."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def app_config(site: Path, database_url: str, **extra: Any) -> dict[str, Any]:
    """Settings for a test app, by their environment names (create_app refuses unknown ones)."""
    from cryptography.fernet import Fernet

    return {
        "INTAKE_ENV": "development",
        # Random once, fixed here: production mode refuses a guessable key.
        "SECRET_KEY": "8ad48adf3891f8f0c731c45772b361f4bcaaf493acf0de56fa90a50926799700",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url,
        "SITE_DIR": str(site),
        "RATELIMIT_ENABLED": False,
        **extra,
    }


def make_app(site: Path, database_url: str, *, clock: ClockType = utc_now, **extra: Any) -> Flask:
    """The service on a database migrated to head, the way it starts; `clock` is its time."""
    from intake_server import create_app
    from intake_server.storage import upgrade

    upgrade(database_url)
    return create_app(app_config(site, database_url, **extra), clock=clock)


class LiveServer:
    """The real WSGI app on a loopback port, in a thread, for the browser to talk to."""

    def __init__(self, app: Flask) -> None:
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
