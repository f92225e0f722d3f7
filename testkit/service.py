"""The intake service as production runs it, for benchmarks and for the tests that must see it
whole: gunicorn in its own process group, so SIGKILL takes the master and every worker at once.
The people who use it over HTTP are in clients.py."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
# One line per request would drown what a benchmark prints (the app's logging sets INFO).
logging.getLogger("httpx").setLevel(logging.WARNING)
# Far above any load a benchmark makes: the limits are tested elsewhere, not measured here.
NO_LIMIT = "1000000 per second"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Deployment:
    """What every instance of one installation shares: the site, the database and the secrets."""

    site_dir: Path
    database_url: str
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    encryption_keys: str = field(default_factory=lambda: _fernet_key())
    settings: dict[str, str] = field(default_factory=dict)

    def config(self) -> dict[str, Any]:
        """The settings, as environment variables for a server process."""
        return {
            "INTAKE_ENV": "development",  # plain-HTTP cookies on loopback; secrets are explicit
            "SECRET_KEY": self.secret_key,
            "ENCRYPTION_KEYS": self.encryption_keys,
            "DATABASE_URL": self.database_url,
            "SITE_DIR": str(self.site_dir),
            "FORM_RATE_LIMIT": NO_LIMIT,
            "STAFF_SIGN_IN_LIMIT": NO_LIMIT,
            **self.settings,
        }

    def upgrade(self) -> None:
        from intake_server.storage import upgrade

        upgrade(self.database_url)

    def app(self):
        """The same installation in this process, for reading back what the servers stored."""
        from intake_server import create_app

        return create_app(self.config())

    def services(self):
        """The installation's stores in this process, without an app around them."""
        from intake_server.config import load_settings
        from intake_server.services import Services

        return Services.create(load_settings(self.site_dir.parent, self.config()))


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


class Service:
    """One gunicorn instance of the service on a loopback port."""

    def __init__(
        self,
        deployment: Deployment,
        *,
        port: int | None = None,
        workers: int = 2,
        threads: int = 4,
        app: str = "intake_server:create_app()",
    ) -> None:
        self.deployment = deployment
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            app,
        ]
        handle, name = tempfile.mkstemp(prefix="gunicorn-", suffix=".log")
        os.close(handle)
        self.log = Path(name)
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> Service:
        env = {**os.environ, **self.deployment.config()}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.kill()  # never leave a half-started server behind
            raise
        return self

    def wait_ready(self, timeout: float) -> None:
        """Until /healthz says the database answers; a server that dies meanwhile is an error."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start-up:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"gunicorn not ready after {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL to the master and every worker together: a crash, not a shutdown."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        self.kill()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
        self.log.unlink(missing_ok=True)
