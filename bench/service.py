"""The intake service as production runs it, for benchmarks and for the tests that must see it
whole: gunicorn in its own process group (so SIGKILL takes the master and every worker at once),
and HTTP clients that behave like the people who use it (a visitor sending the form, a member of
staff signing in with a password and an authenticator code)."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp

ROOT = Path(__file__).resolve().parent.parent
# One line per request would drown what a benchmark prints (the app's logging sets INFO).
logging.getLogger("httpx").setLevel(logging.WARNING)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Far above any load a benchmark makes: the limits are tested elsewhere, not measured here.
NO_LIMIT = "1000000 per second"
# A consultation request as a family member would send it.
CONSULTATION = {
    "for_whom": "loved_one",
    "requester_name": "Maria Example",
    "relationship": "mother",
    "person_knows": "yes",
    "person_first_name": "Sam",
    "phone": "(314) 555-0142",
    "email": "maria@example.org",
    "contact_method": "call",
    "best_time": "evening",
    "insurance": "Aetna",
    "message": "He has not left his room much this month.",
    "heard_about": "doctor",
    "consent": "y",
}


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


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise AssertionError("no form token on the page")
    return match[1]


class Visitor:
    """Someone sending the consultation form, with their own cookies, as a browser would."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False)
        self.token: str | None = None

    def fetch_token(self) -> None:
        """Open the form for its token, unless the one in hand is still good."""
        if self.token is None:
            self.token = csrf_token(self.http.get("/consultation/").text)

    def send(self, answers: dict[str, Any], form_id: str) -> httpx.Response:
        """POST the answers with this form's id (fetching the form first when a token is due)."""
        self.fetch_token()
        response = self.http.post(
            "/consultation/", data={**answers, "csrf_token": self.token, "form_id": form_id}
        )
        if response.status_code == 400:
            self.token = None  # an expired token: the next attempt starts from the form again
        return response

    @staticmethod
    def acknowledged(response: httpx.Response) -> bool:
        """The service's promise: a redirect to the confirmation only after the commit."""
        return response.status_code == 303 and response.headers["location"].endswith("/received/")

    def close(self) -> None:
        self.http.close()


def create_enrolled_account(store: Any, email: str, role: str, password: str) -> str:
    """A staff account with a confirmed authenticator; returns its TOTP secret. The code used to
    enrol belongs to the store's current time step, which cannot be used again."""
    from intake_server.passwords import hash_password
    from intake_server.storage.audit import Actor
    from intake_server.storage.staff import SessionPolicy, session_id_for

    actor = Actor(id=None, email="setup", client_addr=None)
    policy = SessionPolicy(idle=timedelta(minutes=15), lifetime=timedelta(hours=12))
    store.create_account(email, role, hash_password(password), actor)
    started = store.sign_in_password(email, password, "127.0.0.1", policy)
    session_id = session_id_for(started.token)
    secret = store.enrolment_secret(session_id)
    code = pyotp.TOTP(secret).at(store.clock())
    done = store.confirm_enrolment(session_id, code, "127.0.0.1", policy)
    if not done.ok:
        raise RuntimeError(f"enrolment refused: {done.reason}")
    store.sign_out(session_id_for(done.token), actor)
    return secret


class StaffBrowser:
    """A member of staff using the dashboard over HTTP."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False)

    def post_form(self, path: str, data: dict[str, str], form_page: str | None = None):
        """POST with a token from `form_page` (the page the form is on; `path` by default)."""
        token = csrf_token(self.http.get(form_page or path).text)
        return self.http.post(path, data={"csrf_token": token, **data})

    def sign_in(self, email: str, password: str, secret: str) -> None:
        """Password, then the code of the next time step (the current one may be used up)."""
        first = self.post_form("/staff/sign-in", {"email": email, "password": password})
        if first.status_code != 303 or "/staff/sign-in/code" not in first.headers["location"]:
            raise RuntimeError(f"password step refused: HTTP {first.status_code}")
        code = pyotp.TOTP(secret).at(time.time() + 30)
        second = self.post_form(first.headers["location"], {"code": code})
        if second.status_code != 303:
            raise RuntimeError(f"code step refused: HTTP {second.status_code}")

    def close(self) -> None:
        self.http.close()
