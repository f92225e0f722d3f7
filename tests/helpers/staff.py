"""Staff for the tests: accounts with an enrolled authenticator on an app whose clock the test
moves, the one sign-in through the test client, and the first sign-in in a browser.

Time is moved with the clock, never waited for: a new TOTP time step or an idle session is a
`harness.clock.advance(...)`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pyotp
import sqlalchemy as sa
from flask import Flask

from intake_server.passwords import hash_password
from intake_server.services import services
from intake_server.storage import Actor, SessionPolicy, utc_now
from intake_server.storage.database import session_factory
from intake_server.storage.models import StaffUser
from testkit.clients import create_enrolled_account
from tests.helpers.app import Clock, make_app
from tests.helpers.forms import csrf, submit

PASSWORD = "tidal copper orchard lantern"
NEW_PASSWORD = "granite heron velvet compass"
ADMIN = "ana@clinic.example"
STAFF = "ben@clinic.example"
POLICY = SessionPolicy(idle=timedelta(minutes=15), lifetime=timedelta(hours=12))
TEST_ACTOR = Actor(id=None, email="test-setup", client_addr=None)


class Harness:
    """An app on a hand-moved clock, and the accounts made in it."""

    def __init__(self, app: Flask, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self.store = services(app).staff

    @classmethod
    def start(cls, site: Path, database_url: str, **settings: Any) -> Harness:
        """A new app with these settings, on a clock of its own."""
        clock = Clock()
        return cls(make_app(site, database_url, clock=clock, **settings), clock)

    def user(
        self, email: str, role: str = "staff", password: str = PASSWORD, enrolled: bool = True
    ) -> str | None:
        """Create an account through the repository; enrol its authenticator if asked and
        return the TOTP secret."""
        if not enrolled:
            self.store.create_account(email, role, hash_password(password), TEST_ACTOR)
            return None
        secret = create_enrolled_account(self.store, email, role, password, now=self.clock())
        self.clock.advance(seconds=30)  # the enrolment code's time step is now used up
        return secret

    def code(self, secret: str, steps_ahead: int = 0) -> str:
        return pyotp.TOTP(secret).at(self.clock() + timedelta(seconds=30 * steps_ahead))

    def client(self, https: bool = False) -> Any:
        client = self.app.test_client()
        if https:
            client.environ_base["wsgi.url_scheme"] = "https"
            # Over HTTPS, Flask-WTF also wants a same-origin Referer, as browsers send one.
            host = urlsplit(services(self.app).settings.public_url).netloc
            client.environ_base["HTTP_REFERER"] = f"https://{host}/staff/"
        return client

    def cookie_name(self) -> str:
        return "__Host-staff" if services(self.app).settings.production else "staff"

    def cookie(self, client: Any) -> str | None:
        found = client.get_cookie(self.cookie_name())
        return found.value if found else None

    def signed_in(self, email: str, secret: str | None, next_path: str | None = None) -> Any:
        """A test client signed in with a password and a code (with the password alone when the
        account has no authenticator and the app lets it skip one)."""
        client = self.client()
        code = None if secret is None else self.code(secret)
        response = sign_in(client, email, code=code, next_path=next_path)
        assert response.status_code == 303, response.status_code
        return client

    def new_signed_in(self, email: str, role: str) -> Any:
        """A client signed in as a new account with this role and no authenticator (for apps
        that let one be skipped: signing in with a code is tested in test_auth_views.py)."""
        self.user(email, role, enrolled=False)
        return self.signed_in(email, None)

    def audit(self) -> list:
        """Every audit entry, oldest first."""
        return services(self.app).audit.search(limit=10_000).entries[::-1]


# --- Signing in through the test client -----------------------------------------------------


def sign_in_url(next_path: str | None = None) -> str:
    return "/staff/sign-in" + (f"?{urlencode({'next': next_path})}" if next_path else "")


def password_step(
    client: Any, email: str, password: str = PASSWORD, next_path: str | None = None
) -> Any:
    """The first step of signing in: the sign-in form with an email and a password."""
    return submit(client, sign_in_url(next_path), {"email": email, "password": password})


def sign_in(
    client: Any,
    email: str,
    *,
    password: str = PASSWORD,
    code: str | None = None,
    next_path: str | None = None,
) -> Any:
    """Sign in: the password step, then the code step with `code`. Without a code, only the
    password step, for an app where it is the whole sign-in (MFA optional in development).
    Returns the last response."""
    first = password_step(client, email, password, next_path)
    if code is None:
        return first
    assert first.status_code == 303 and "/staff/sign-in/code" in first.location, first.location
    return submit(client, first.location, {"code": code})


def form_token(client: Any) -> str:
    """A form token from a page every signed-in person can load (its header has Sign out)."""
    return csrf(client.get("/staff/admin/sessions"))


def sign_out(client: Any) -> Any:
    return client.post("/staff/sign-out", data={"csrf_token": form_token(client)})


def error_text(html: str) -> list[str]:
    return re.findall(r'class="staff-error"[^>]*><span[^>]*>Error: </span>([^<]+)<', html)


def location_path(response: Any) -> str:
    return urlsplit(response.location).path


# --- Staff rows for the stores' own tests ---------------------------------------------------


def staff_member(engine: sa.Engine, email: str, role: str = "staff") -> Actor:
    """A staff row written directly, with no account history or audit entry: someone for the
    work store's tests to act as."""
    now = utc_now()
    with session_factory(engine).begin() as session:
        user = StaffUser(
            email=email, role=role, password_hash="x", created_at=now, password_changed_at=now
        )
        session.add(user)
        session.flush()
        return Actor(id=user.id, email=email, client_addr="127.0.0.1")


# --- In a browser ---------------------------------------------------------------------------


def first_sign_in(page: Any, base_url: str, email: str, password: str) -> None:
    """From the sign-in page: password, then the authenticator set up with the code it shows."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/staff/enrol**")
    secret = page.locator(".staff-secret code").inner_text().replace(" ", "")
    page.get_by_label(re.compile("code", re.I)).first.fill(pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + "/staff/")
