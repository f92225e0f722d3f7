"""Staff sign-in: passwords, the one-time code, sessions, throttling, the CLI and the audit trail.

Time is moved with the store's clock, never waited for: a test that needs a new TOTP time step or
an idle session advances the clock instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
import pytest
from conftest import LiveServer, axe_violations, make_app, postgres_schema, wait_for_focus

from intake_server.extensions import limiter
from intake_server.passwords import (
    HASHER,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from intake_server.staff import accounts
from intake_server.staff.access import safe_next, staff_store
from intake_server.storage.audit import Actor
from intake_server.storage.models import utc_now
from intake_server.storage.staff import SessionPolicy, StaffStore, session_id_for

PASSWORD = "tidal copper orchard lantern"
NEW_PASSWORD = "granite heron velvet compass"
ADMIN = "ana@clinic.example"
STAFF = "ben@clinic.example"
POLICY = SessionPolicy(idle=timedelta(minutes=15), lifetime=timedelta(hours=12))
TEST_ACTOR = Actor(id=None, email="test-setup", client_addr=None)
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Harness:
    """An app whose staff store runs on a hand-moved clock, with helpers to make accounts."""

    def __init__(self, app) -> None:
        self.app = app
        self.clock = Clock()
        with app.app_context():
            self.store: StaffStore = staff_store()
        self.store.clock = self.clock

    def user(
        self, email: str, role: str = "staff", password: str = PASSWORD, enrolled: bool = True
    ) -> str | None:
        """Create an account through the repository; enrol its authenticator if asked and
        return the TOTP secret."""
        self.store.create_account(email, role, hash_password(password), TEST_ACTOR)
        if not enrolled:
            return None
        started = self.store.sign_in_password(email, password, "127.0.0.1", POLICY)
        session_id = session_id_for(started.token)
        secret = self.store.enrolment_secret(session_id)
        done = self.store.confirm_enrolment(session_id, self.code(secret), "127.0.0.1", POLICY)
        assert done.ok, done
        self.store.sign_out(session_id_for(done.token), TEST_ACTOR)
        self.clock.advance(seconds=30)  # the enrolment code's time step is now used up
        return secret

    def code(self, secret: str, steps_ahead: int = 0) -> str:
        return pyotp.TOTP(secret).at(self.clock() + timedelta(seconds=30 * steps_ahead))

    def client(self, https: bool = False):
        client = self.app.test_client()
        if https:
            client.environ_base["wsgi.url_scheme"] = "https"
            # Over HTTPS, Flask-WTF also wants a same-origin Referer, as browsers send one.
            client.environ_base["HTTP_REFERER"] = "https://localhost/staff/"
        return client

    def cookie_name(self) -> str:
        return "__Host-staff" if self.app.config.get("SESSION_COOKIE_SECURE") else "staff"

    def cookie(self, client) -> str | None:
        found = client.get_cookie(self.cookie_name())
        return found.value if found else None

    def signed_in(self, email: str, secret: str, next_path: str | None = None):
        """A test client signed in with a password and a code."""
        client = self.client()
        response = sign_in(self, client, email, secret, next_path=next_path)
        assert response.status_code == 303, response.status_code
        return client

    def audit(self) -> list:
        return self.app.extensions["audit"].search(limit=10_000).entries[::-1]


def csrf(html: str) -> str:
    return CSRF.search(html)[1]


def post_form(client, path: str, data: dict[str, str], **kwargs):
    page = client.get(path, **kwargs)
    assert page.status_code == 200, (path, page.status_code)
    return client.post(path, data={"csrf_token": csrf(page.text), **data}, **kwargs)


def sign_in_url(next_path: str | None = None) -> str:
    return "/staff/sign-in" + (f"?{urlencode({'next': next_path})}" if next_path else "")


def form_token(client) -> str:
    """A form token from a page every signed-in person can load (its header has Sign out)."""
    return csrf(client.get("/staff/admin/sessions").text)


def sign_out(client):
    return client.post("/staff/sign-out", data={"csrf_token": form_token(client)})


def password_step(client, email: str, password: str = PASSWORD, next_path: str | None = None):
    return post_form(client, sign_in_url(next_path), {"email": email, "password": password})


def sign_in(harness: Harness, client, email: str, secret: str, **kwargs):
    first = password_step(client, email, **kwargs)
    assert first.status_code == 303 and "/staff/sign-in/code" in first.location, first.location
    return post_form(client, first.location, {"code": harness.code(secret)})


def error_text(html: str) -> list[str]:
    return re.findall(r'class="staff-error"[^>]*><span[^>]*>Error: </span>([^<]+)<', html)


def location_path(response) -> str:
    return urlsplit(response.location).path


@pytest.fixture
def harness(app) -> Harness:
    return Harness(app)


@pytest.fixture
def admin(harness: Harness) -> str:
    secret = harness.user(ADMIN, "admin")
    assert secret
    return secret


# --- Passwords -------------------------------------------------------------------------------------


def test_hashes_are_argon2id_with_current_settings() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert hash_password(PASSWORD) != hashed  # salted
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + " ")
    assert not verify_password("not a hash", PASSWORD)
    assert not needs_rehash(hashed)
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    assert verify_password(weak, PASSWORD) and needs_rehash(weak)
    assert HASHER.type.name == "ID"


def test_policy_refuses_short_common_and_email_like_passwords() -> None:
    assert password_problems(PASSWORD, ADMIN) == []
    long = "".join(hashlib.sha256(bytes([i])).hexdigest() for i in range(4))
    assert len(long) == 256 and password_problems(long, ADMIN) == []  # 256 are allowed
    assert "no more than 256" in password_problems(long + "q", ADMIN)[0]
    short = password_problems("Tr0ub4dor&3", ADMIN)
    assert len(short) == 1 and "at least 12 characters" in short[0]
    assert "list of passwords" in " ".join(password_problems("qwerty123456", ADMIN))
    assert "list of passwords" in " ".join(password_problems("1QAZ2WSX3EDC", ADMIN))
    assert "easy to guess" in " ".join(password_problems("Baseball2023", ADMIN))
    assert "easy to guess" in " ".join(password_problems("aaaaaaaaaaaaaaaaaaaa", ADMIN))
    own = password_problems("Lantern-ana-ORCHARD-91", "ana@clinic.example")
    assert any("email address" in p for p in own)
    assert any(
        "email address" in p
        for p in password_problems("orchard maria.lopez tidal", "Maria.Lopez@clinic.example")
    )
    for problems in (short, own):
        # Plain language: no jargon, no scores, full sentences.
        assert all(p[0].isupper() and p.endswith(".") and "zxcvbn" not in p for p in problems)


# --- The command line ----------------------------------------------------------------------------


def test_cli_create_reads_stdin_and_refuses_a_password_argument(app, harness) -> None:
    runner = app.test_cli_runner()
    created = runner.invoke(args=["staff", "create", ADMIN, "--role", "admin"], input=PASSWORD)
    assert created.exit_code == 0, created.output
    assert "created admin account ana@clinic.example" in created.output
    assert PASSWORD not in created.output
    account = harness.store.find_account(ADMIN)
    assert account and account.role == "admin" and not account.mfa_enrolled

    secret = "Kestrel lighthouse 42 harbor"
    for args in (
        ["staff", "create", STAFF, secret],
        ["staff", "create", STAFF, "--password", secret],
        ["staff", "reset-password", ADMIN, secret],
    ):
        refused = runner.invoke(args=args, input=PASSWORD)
        assert refused.exit_code == 2, refused.output
        assert "never given on the command line" in refused.output
        assert secret not in refused.output
    assert harness.store.find_account(STAFF) is None

    weak = runner.invoke(args=["staff", "create", STAFF], input="password1234\n")
    assert weak.exit_code == 1 and "password refused" in weak.output
    assert harness.store.find_account(STAFF) is None
    empty = runner.invoke(args=["staff", "create", STAFF], input="")
    assert empty.exit_code == 1 and "no password on standard input" in empty.output
    again = runner.invoke(args=["staff", "create", ADMIN], input=PASSWORD)
    assert again.exit_code == 1 and "already an account" in again.output
    bad_email = runner.invoke(args=["staff", "create", "not-an-email"], input=PASSWORD)
    assert bad_email.exit_code == 2
    bad_role = runner.invoke(args=["staff", "create", STAFF, "--role", "root"], input=PASSWORD)
    assert bad_role.exit_code == 2


def test_cli_prompts_twice_with_hidden_input_at_a_terminal(app, harness, monkeypatch) -> None:
    monkeypatch.setattr(accounts, "_interactive", lambda: True)
    runner = app.test_cli_runner()
    mismatch = runner.invoke(args=["staff", "create", STAFF], input=f"{PASSWORD}\n{NEW_PASSWORD}\n")
    assert mismatch.exit_code != 0 and harness.store.find_account(STAFF) is None
    created = runner.invoke(args=["staff", "create", STAFF], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert created.exit_code == 0, created.output
    assert "Type it again" in created.output and PASSWORD not in created.output


def test_cli_list_disable_and_reset_password(app, harness: Harness, admin: str) -> None:
    runner = app.test_cli_runner()
    harness.user(STAFF, enrolled=False)
    listed = runner.invoke(args=["staff", "list"])
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0].split() == ["EMAIL", "ROLE", "MFA", "DISABLED", "LAST", "SIGN-IN"]
    ana = next(line.split() for line in lines if line.startswith(ADMIN))
    ben = next(line.split() for line in lines if line.startswith(STAFF))
    assert ana[1:4] == ["admin", "yes", "no"] and ana[4] != "never"  # enrolment signed her in
    assert ben[1:] == ["staff", "no", "no", "never"]

    client = harness.signed_in(ADMIN, admin)
    assert client.get("/staff/admin/sessions").status_code == 200
    reset = runner.invoke(args=["staff", "reset-password", ADMIN], input=NEW_PASSWORD)
    assert reset.exit_code == 0, reset.output
    assert "1 signed-in session(s) ended" in reset.output
    gone = client.get("/staff/admin/sessions")
    assert gone.status_code == 303 and location_path(gone) == "/staff/sign-in"
    assert "signed out" in client.get(gone.location).text
    assert password_step(harness.client(), ADMIN).status_code == 200  # old password refused
    assert harness.store.find_account(ADMIN).mfa_enrolled  # kept without --reset-mfa
    harness.clock.advance(seconds=30)
    client = harness.client()
    assert sign_in(harness, client, ADMIN, admin, password=NEW_PASSWORD).status_code == 303

    reset_mfa = runner.invoke(
        args=["staff", "reset-password", ADMIN, "--reset-mfa"], input=PASSWORD
    )
    assert reset_mfa.exit_code == 0 and "authenticator app was removed" in reset_mfa.output
    assert not harness.store.find_account(ADMIN).mfa_enrolled
    enrol = password_step(harness.client(), ADMIN)
    assert location_path(enrol) == "/staff/enrol"

    disabled = runner.invoke(args=["staff", "disable", STAFF])
    assert disabled.exit_code == 0 and "is disabled" in disabled.output
    again = runner.invoke(args=["staff", "disable", STAFF])
    assert again.exit_code == 0 and "already disabled" in again.output
    missing = runner.invoke(args=["staff", "disable", "nobody@clinic.example"])
    assert missing.exit_code == 1 and "no account for nobody@clinic.example" in missing.output
    missing = runner.invoke(args=["staff", "reset-password", "nobody@clinic.example"], input="x")
    assert missing.exit_code == 1
    listed = runner.invoke(args=["staff", "list"]).output
    assert next(line.split() for line in listed.splitlines() if line.startswith(STAFF))[3] != "no"


def test_disable_ends_the_accounts_sessions(app, harness: Harness) -> None:
    secret = harness.user(STAFF)
    client = harness.signed_in(STAFF, secret)
    assert client.get("/staff/sign-in").status_code == 303  # signed in: sent on
    result = app.test_cli_runner().invoke(args=["staff", "disable", STAFF])
    assert "1 signed-in session(s) ended" in result.output
    response = client.get("/staff/")
    assert response.status_code == 303 and location_path(response) == "/staff/sign-in"
    # Disabled: the right password no longer starts a sign-in, and says nothing more.
    refused = password_step(harness.client(), STAFF)
    assert refused.status_code == 200
    assert not any(h.startswith("staff=") for h in refused.headers.getlist("Set-Cookie"))
    assert "The email address or password is not right" in refused.text


# --- Signing in --------------------------------------------------------------------------------


def test_sign_in_with_password_and_totp_code(harness: Harness, admin: str) -> None:
    client = harness.client()
    page = client.get("/staff/sign-in")
    assert page.status_code == 200
    html = page.text
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert '<label for="email">' in html and '<label for="password">' in html
    first = password_step(client, "  Ana@Clinic.Example ")
    assert first.status_code == 303 and location_path(first) == "/staff/sign-in/code"
    code_page = client.get(first.location)
    assert code_page.status_code == 200
    assert 'autocomplete="one-time-code"' in code_page.text
    assert 'inputmode="numeric"' in code_page.text
    # Half-way: nothing but the code step is open.
    assert location_path(client.get("/staff/")) == "/staff/sign-in/code"
    spaced = harness.code(admin)
    done = client.post(
        first.location,
        data={"csrf_token": csrf(code_page.text), "code": f"{spaced[:3]} {spaced[3:]}"},
    )
    assert done.status_code == 303 and done.location == "/staff/"
    sessions = client.get("/staff/admin/sessions")
    assert sessions.status_code == 200 and ADMIN in sessions.text
    assert sessions.headers["Cache-Control"] == "no-store"


def test_wrong_password_and_unknown_email_get_the_same_answer(harness: Harness, admin) -> None:
    wrong = password_step(harness.client(), ADMIN, "orchard tidal lantern copper")
    unknown = password_step(harness.client(), "nobody@clinic.example")
    assert wrong.status_code == unknown.status_code == 200
    assert error_text(wrong.text) == error_text(unknown.text)
    assert error_text(wrong.text) == [
        "The email address or password is not right. Check them and try again."
    ]
    assert 'role="alert"' in wrong.text and 'href="#password"' in wrong.text
    assert 'aria-invalid="true"' in wrong.text and 'aria-describedby="password-error"' in wrong.text
    for response in (wrong, unknown):
        assert not any(h.startswith("staff=") for h in response.headers.getlist("Set-Cookie"))
    failures = [e for e in harness.audit() if e.action == "sign_in_failed"]
    assert [(e.actor_email, json.loads(e.detail)) for e in failures] == [
        (ADMIN, {"reason": "wrong_password"}),
        (None, {"reason": "unknown_account"}),
    ]
    assert all(e.actor_id is None for e in failures[1:])


def test_unknown_email_costs_as_much_time_as_a_wrong_password(harness: Harness) -> None:
    harness.user(STAFF, enrolled=False)

    def fastest(email: str) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            harness.store.sign_in_password(email, "wrong wrong wrong", "127.0.0.1", POLICY)
            times.append(time.perf_counter() - start)
        return min(times)

    known, unknown = fastest(STAFF), fastest("nobody@clinic.example")
    assert unknown > 0.6 * known, (known, unknown)


def test_throttling_delays_and_then_recovers(harness: Harness, admin: str) -> None:
    for _ in range(5):
        refused = password_step(harness.client(), ADMIN, "wrong but long enough")
        assert refused.status_code == 200
    # Now even the right password waits: a stranger can slow an account, briefly.
    paused = password_step(harness.client(), ADMIN)
    assert paused.status_code == 429 and "Try again in 30 seconds" in paused.text
    harness.clock.advance(seconds=31)
    client = harness.client()
    assert sign_in(harness, client, ADMIN, admin).status_code == 303
    # Success cleared the count: one slip is just a slip again.
    assert password_step(harness.client(), ADMIN, "wrong but long enough").status_code == 200
    assert location_path(password_step(harness.client(), ADMIN)) == "/staff/sign-in/code"


def test_throttle_doubles_and_is_capped(harness: Harness) -> None:
    harness.user(STAFF, enrolled=False)
    waits = []
    for _ in range(12):
        result = harness.store.sign_in_password(STAFF, "wrong wrong wrong", "10.0.0.9", POLICY)
        assert result.reason == "wrong_password"
        if result.retry_after:
            waits.append(result.retry_after)
            paused = harness.store.sign_in_password(STAFF, PASSWORD, "10.0.0.9", POLICY)
            assert not paused.ok and paused.reason == "throttled"
            harness.clock.advance(seconds=result.retry_after)
    assert waits == [30, 60, 120, 240, 480, 900, 900, 900]
    assert harness.store.sign_in_password(STAFF, PASSWORD, "10.0.0.9", POLICY).ok


def test_wrong_codes_are_throttled_too(harness: Harness, admin: str) -> None:
    client = harness.client()
    first = password_step(client, ADMIN)
    wrong = str((int(harness.code(admin)) + 1) % 1_000_000).zfill(6)
    for _ in range(4):
        refused = post_form(client, first.location, {"code": wrong})
        assert refused.status_code == 200 and "That code is not right" in refused.text
    # The fifth failure starts a pause; the right code must wait for it too.
    assert post_form(client, first.location, {"code": wrong}).status_code == 200
    paused = post_form(client, first.location, {"code": harness.code(admin)})
    assert paused.status_code == 429 and "paused" in paused.text
    harness.clock.advance(seconds=31)
    ok = post_form(client, first.location, {"code": harness.code(admin)})
    assert ok.status_code == 303 and ok.location == "/staff/"


def test_a_code_works_once(harness: Harness, admin: str) -> None:
    sign_out(harness.signed_in(ADMIN, admin))
    again = harness.client()
    first = password_step(again, ADMIN)
    reused = post_form(again, first.location, {"code": harness.code(admin)})
    assert reused.status_code == 200 and "already used" in reused.text
    harness.clock.advance(seconds=30)
    fresh = post_form(again, first.location, {"code": harness.code(admin)})
    assert fresh.status_code == 303
    reasons = [json.loads(e.detail) for e in harness.audit() if e.action == "sign_in_code_failed"]
    assert reasons == [{"reason": "reused_code"}]


def test_codes_from_the_next_and_previous_step_are_accepted(harness: Harness, admin) -> None:
    for steps in (-1, 1):
        harness.clock.advance(seconds=90)
        client = harness.client()
        first = password_step(client, ADMIN)
        done = post_form(client, first.location, {"code": harness.code(admin, steps)})
        assert done.status_code == 303 and done.location == "/staff/", steps
    harness.clock.advance(seconds=90)
    client = harness.client()
    first = password_step(client, ADMIN)
    too_late = post_form(client, first.location, {"code": harness.code(admin, -2)})
    assert too_late.status_code == 200 and "not right" in too_late.text


def test_enrolment_shows_a_qr_code_and_the_secret_as_text(harness: Harness) -> None:
    harness.user(STAFF, enrolled=False)
    client = harness.client()
    first = password_step(client, STAFF, next_path="/staff/?status=new")
    assert first.status_code == 303 and location_path(first) == "/staff/enrol"
    page = client.get(first.location)
    assert page.status_code == 200
    qr = re.search(
        r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)"', page.text
    )
    assert qr, page.text
    assert base64.b64decode(qr[1]).startswith(b"<svg") and "authenticator app" in qr[2]
    shown = re.search(r'class="staff-secret"><code>([A-Z2-7 ]+)</code>', page.text)[1]
    groups = shown.split(" ")
    assert all(len(g) == 4 for g in groups[:-1]) and len("".join(groups)) == 32
    secret = "".join(groups)
    assert client.get(first.location).text.count(shown) == 1  # same secret on reload
    wrong = post_form(client, first.location, {"code": "12345"})
    assert wrong.status_code == 400 and "6 digits" in wrong.text
    done = post_form(client, first.location, {"code": harness.code(secret)})
    assert done.status_code == 303 and done.location == "/staff/?status=new"
    assert harness.store.find_account(STAFF).mfa_enrolled
    # Enrolled: the next sign-in asks for a code, not a new secret.
    harness.clock.advance(seconds=30)
    client = harness.client()
    assert sign_in(harness, client, STAFF, secret).status_code == 303


def test_mfa_can_be_skipped_only_in_development(site_dir: Path, tmp_path: Path) -> None:
    dev = Harness(make_app(site_dir, f"sqlite:///{tmp_path / 'dev.db'}", STAFF_MFA_OPTIONAL=True))
    dev.user(STAFF, enrolled=False)
    skipped = password_step(dev.client(), STAFF)
    assert skipped.status_code == 303 and skipped.location == "/staff/"
    prod = Harness(
        make_app(
            site_dir,
            f"sqlite:///{tmp_path / 'prod.db'}",
            INTAKE_ENV="production",
            STAFF_MFA_OPTIONAL=True,
        )
    )
    prod.user(STAFF, enrolled=False)
    client = prod.client(https=True)
    required = password_step(client, STAFF)
    assert required.status_code == 303 and location_path(required) == "/staff/enrol"


def test_the_session_id_changes_at_each_step(harness: Harness, admin: str) -> None:
    client = harness.client()
    assert harness.cookie(client) is None
    password_step(client, ADMIN)
    abandoned = harness.cookie(client)
    # Starting again in the same browser retires the half-finished session.
    first = password_step(client, ADMIN)
    password_stage = harness.cookie(client)
    post_form(client, first.location, {"code": harness.code(admin)})
    full = harness.cookie(client)
    assert len({abandoned, password_stage, full}) == 3 and None not in {password_stage, full}
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", full)
    # Only a hash is stored: the cookie value is nowhere in the table.
    active = {s.id for s in harness.store.active_sessions(POLICY)}
    assert active == {session_id_for(full)}
    assert full not in active
    for retired in (abandoned, password_stage):
        stale = harness.client()
        stale.set_cookie(harness.cookie_name(), retired)
        assert location_path(stale.get("/staff/sign-in/code")) == "/staff/sign-in"
    assert client.get("/staff/admin/sessions").status_code == 200


def test_idle_sessions_are_signed_out(harness: Harness, admin: str) -> None:
    client = harness.signed_in(ADMIN, admin)
    for _ in range(3):  # activity keeps it alive well past 15 minutes in all
        harness.clock.advance(minutes=10)
        assert client.get("/staff/admin/sessions").status_code == 200
    harness.clock.advance(minutes=15)
    response = client.get("/staff/admin/sessions?x=1")
    assert response.status_code == 303 and location_path(response) == "/staff/sign-in"
    assert parse_qs(urlsplit(response.location).query)["next"] == ["/staff/admin/sessions?x=1"]
    assert harness.cookie(client) is None  # told to forget the dead cookie
    page = client.get(response.location)
    assert "You were signed out after 15 minutes without activity" in page.text
    expired = [e for e in harness.audit() if e.action == "session_expired"]
    assert [json.loads(e.detail) for e in expired] == [{"reason": "idle", "stage": "full"}]


def test_idle_limit_comes_from_config(app, harness: Harness, admin: str) -> None:
    app.config["STAFF_IDLE_MINUTES"] = 2
    client = harness.signed_in(ADMIN, admin)
    harness.clock.advance(minutes=2)
    response = client.get("/staff/")
    assert location_path(response) == "/staff/sign-in"
    assert "after 2 minutes without activity" in client.get(response.location).text


def test_sessions_end_after_their_lifetime_however_active(app, harness, admin) -> None:
    app.config["STAFF_SESSION_HOURS"] = 1
    client = harness.signed_in(ADMIN, admin)
    for _ in range(5):
        harness.clock.advance(minutes=10)
        assert client.get("/staff/admin/sessions").status_code == 200
    harness.clock.advance(minutes=11)
    response = client.get("/staff/admin/sessions")
    assert location_path(response) == "/staff/sign-in"
    assert "signed in for 1 hour" in client.get(response.location).text
    expired = [json.loads(e.detail) for e in harness.audit() if e.action == "session_expired"]
    assert expired == [{"reason": "lifetime", "stage": "full"}]


def test_an_unfinished_sign_in_expires(harness: Harness, admin: str) -> None:
    client = harness.client()
    first = password_step(client, ADMIN)
    harness.clock.advance(minutes=16)
    response = client.get(first.location)
    assert location_path(response) == "/staff/sign-in"
    assert "Signing in took too long" in client.get(response.location).text


def test_sign_out_ends_the_session_for_good(harness: Harness, admin: str) -> None:
    client = harness.signed_in(ADMIN, admin)
    token = harness.cookie(client)
    out = sign_out(client)
    assert out.status_code == 303 and out.location == "/staff/sign-in"
    assert out.headers["Clear-Site-Data"] == '"cache"'
    assert harness.cookie(client) is None
    assert "You are signed out" in client.get("/staff/sign-in").text
    replay = harness.client()
    replay.set_cookie(harness.cookie_name(), token)
    response = replay.get("/staff/admin/sessions")
    assert response.status_code == 303 and location_path(response) == "/staff/sign-in"
    assert "You were signed out" in replay.get(response.location).text


def test_an_admin_can_end_any_session(harness: Harness, admin: str) -> None:
    secret = harness.user(STAFF)
    ben = harness.signed_in(STAFF, secret)
    ana = harness.signed_in(ADMIN, admin)
    page = ana.get("/staff/admin/sessions")
    assert STAFF in page.text and ADMIN in page.text
    ben_id = session_id_for(harness.cookie(ben))
    revoke = f"/staff/admin/sessions/{ben_id}/revoke"
    assert revoke in page.text
    done = ana.post(revoke, data={"csrf_token": csrf(page.text)})
    assert done.status_code == 303 and done.location == "/staff/admin/sessions"
    after = ana.get("/staff/admin/sessions")
    assert "has been ended" in after.text and STAFF not in after.text
    assert location_path(ben.get("/staff/")) == "/staff/sign-in"
    assert ana.post(revoke, data={"csrf_token": csrf(after.text)}).status_code == 303
    assert "already ended" in ana.get("/staff/admin/sessions").text
    nope = ana.post("/staff/admin/sessions/nope/revoke", data={"csrf_token": csrf(after.text)})
    assert nope.status_code == 404
    revoked = [e for e in harness.audit() if e.action == "session_revoked"]
    assert len(revoked) == 1 and revoked[0].actor_email == ADMIN
    assert json.loads(revoked[0].detail) == {"account": STAFF, "session": ben_id[:12]}
    # Staff cannot do it.
    harness.clock.advance(seconds=30)
    ben = harness.signed_in(STAFF, secret)
    ana_id = session_id_for(harness.cookie(ana))
    forbidden = ben.post(
        f"/staff/admin/sessions/{ana_id}/revoke", data={"csrf_token": form_token(ben)}
    )
    assert forbidden.status_code == 403 and "only for administrators" in forbidden.text
    assert ana.get("/staff/admin/sessions").status_code == 200


# --- Where people are sent --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/staff/",
        "/staff/submissions/ABC-1234",
        "/staff/?status=new&page=2",
        "/staff/admin/audit?actor=ana%40clinic.example",
    ],
)
def test_safe_next_keeps_paths_under_staff(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/staff/",
        "//evil.example/staff/",
        "/staff//evil.example",
        "///evil.example",
        "/\\evil.example",
        "/staff/\\evil.example",
        "/staff/%5Cevil.example",
        "/staff/%2F%2Fevil.example",
        "/staff/../public",
        "/staff/%2e%2e/public",
        "/staff",
        "/public/staff/",
        "staff/",
        "javascript:alert(1)",
        "/staff/\r\nSet-Cookie: x=1",
        "/staff/%0d%0aSet-Cookie:x",
        "/staff/ x",
        "/staff/sign-in",
        "/staff/sign-out",
        "/staff/enrol?next=/staff/",
        "http:/staff/",
    ],
)
def test_safe_next_refuses_everything_else(target: str | None) -> None:
    assert safe_next(target) is None


def test_next_is_followed_only_inside_staff(harness: Harness, admin: str) -> None:
    anonymous = harness.client().get("/staff/admin/audit?action=sign_out")
    assert anonymous.status_code == 303
    next_path = parse_qs(urlsplit(anonymous.location).query)["next"][0]
    assert next_path == "/staff/admin/audit?action=sign_out"
    client = harness.client()
    first = password_step(client, ADMIN, next_path=next_path)
    done = post_form(client, first.location, {"code": harness.code(admin)})
    assert done.location == "/staff/admin/audit?action=sign_out"
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        harness.clock.advance(seconds=30)
        client = harness.client()
        response = sign_in(harness, client, ADMIN, admin, next_path=evil)
        assert response.location == "/staff/", evil
    # POSTs are never repeated after signing in, so they leave no `next`.
    posted = harness.client().post("/staff/sign-out")
    assert posted.status_code == 303 and posted.location == "/staff/sign-in"


# --- Cookies and headers ---------------------------------------------------------------------------


def test_cookie_flags_in_production(site_dir: Path, tmp_path: Path) -> None:
    prod = Harness(make_app(site_dir, f"sqlite:///{tmp_path / 'prod.db'}", INTAKE_ENV="production"))
    secret = prod.user(ADMIN, "admin")
    client = prod.client(https=True)
    first = password_step(client, ADMIN)
    done = post_form(client, first.location, {"code": prod.code(secret)})
    for response in (first, done):
        header = next(
            h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-staff=")
        )
        parts = {p.strip().split("=")[0].lower() for p in header.split(";")[1:]}
        assert parts == {"secure", "httponly", "path", "samesite"}, header
        assert "Path=/" in header and "SameSite=Strict" in header
    assert client.get("/staff/admin/sessions").status_code == 200
    out = sign_out(client)
    cleared = next(h for h in out.headers.getlist("Set-Cookie") if h.startswith("__Host-staff="))
    assert "Max-Age=0" in cleared and "Secure" in cleared


def test_development_cookie_is_not_secure_only(harness: Harness, admin: str) -> None:
    first = password_step(harness.client(), ADMIN)
    header = next(h for h in first.headers.getlist("Set-Cookie") if h.startswith("staff="))
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Secure" not in header
    assert "Domain" not in header and "Expires" not in header


def test_every_staff_response_is_no_store(harness: Harness, admin: str) -> None:
    client = harness.client()
    for response in (
        client.get("/staff/sign-in"),
        client.get("/staff/"),
        client.get("/staff/no-such-page"),
        client.post("/staff/sign-in", data={}),
    ):
        assert response.headers["Cache-Control"] == "no-store", response.status_code


def test_a_stale_sign_in_form_is_shown_again(harness: Harness, admin: str) -> None:
    client = harness.client()
    client.get("/staff/sign-in")
    stale = client.post("/staff/sign-in", data={"csrf_token": "stale", "email": ADMIN})
    assert stale.status_code == 303 and stale.location == "/staff/sign-in"
    assert "open for a long time" in client.get("/staff/sign-in").text


def test_per_client_rate_limit_on_sign_in(site_dir: Path, tmp_path: Path) -> None:
    was_enabled = limiter.enabled
    try:
        limited = Harness(
            make_app(
                site_dir,
                f"sqlite:///{tmp_path / 'limited.db'}",
                RATELIMIT_ENABLED=True,
                STAFF_SIGN_IN_LIMIT="3 per minute",
            )
        )
        client = limited.client()
        token = csrf(client.get("/staff/sign-in").text)
        data = {"csrf_token": token, "email": "x@clinic.example", "password": "wrong password"}
        statuses = [client.post("/staff/sign-in", data=data).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        blocked = client.post("/staff/sign-in", data=data)
        assert "too many attempts to sign in from your network" in blocked.text
        assert blocked.headers["Retry-After"] == "60"
        assert client.get("/staff/sign-in").status_code == 200  # only the POST is limited
    finally:
        limiter.enabled = was_enabled


# --- The audit trail ---------------------------------------------------------------------------------


def test_every_attempt_is_audited_and_the_chain_verifies(app, harness: Harness) -> None:
    runner = app.test_cli_runner()
    created = runner.invoke(args=["staff", "create", ADMIN, "--role", "admin"], input=PASSWORD)
    assert created.exit_code == 0
    client = harness.client()
    first = password_step(client, ADMIN)
    page = client.get(first.location)
    secret = re.search(r'class="staff-secret"><code>([A-Z2-7 ]+)</code>', page.text)[1]
    secret = secret.replace(" ", "")
    wrong = str((int(harness.code(secret)) + 500_000) % 1_000_000).zfill(6)
    assert post_form(client, first.location, {"code": wrong}).status_code == 200
    assert post_form(client, first.location, {"code": harness.code(secret)}).status_code == 303
    password_step(harness.client(), ADMIN, "wrong password entirely")
    password_step(harness.client(), "stranger@elsewhere.example", "stranger's own guess")
    sign_out(client)
    harness.clock.advance(seconds=30)
    ana = harness.signed_in(ADMIN, secret)
    harness.clock.advance(minutes=20)
    ana.get("/staff/")
    harness.user(STAFF)
    runner.invoke(args=["staff", "reset-password", STAFF], input=NEW_PASSWORD)
    runner.invoke(args=["staff", "disable", STAFF])
    harness.clock.advance(seconds=30)
    ana = harness.signed_in(ADMIN, secret)
    mine = session_id_for(harness.cookie(ana))
    sessions = ana.get("/staff/admin/sessions")
    ana.post(f"/staff/admin/sessions/{mine}/revoke", data={"csrf_token": csrf(sessions.text)})

    entries = harness.audit()
    actions = {e.action for e in entries}
    assert actions >= {
        "account_created",
        "sign_in_password_ok",
        "sign_in_code_failed",
        "mfa_enrolled",
        "sign_in_ok",
        "sign_in_failed",
        "sign_out",
        "session_expired",
        "password_reset",
        "account_disabled",
        "session_revoked",
    }, actions
    created = next(e for e in entries if e.action == "account_created")
    assert created.actor_email.startswith("cli:") and json.loads(created.detail)["role"] == "admin"
    everything = json.dumps([[e.actor_email, e.detail, e.client_addr] for e in entries])
    for secret_text in (PASSWORD, NEW_PASSWORD, "wrong password entirely", "stranger", secret):
        assert secret_text not in everything
    assert all(e.client_addr for e in entries if e.action.startswith("sign_in"))
    checked, broken = app.extensions["audit"].verify()
    assert (checked, broken) == (len(entries), None)


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_sign_in_and_throttling_on_postgresql(site_dir: Path, postgres_url: str) -> None:
    with postgres_schema(postgres_url) as url:
        app = make_app(site_dir, url)
        try:
            pg = Harness(app)
            secret = pg.user(ADMIN, "admin")
            client = pg.signed_in(ADMIN, secret)
            assert client.get("/staff/admin/sessions").status_code == 200
            for _ in range(5):
                password_step(pg.client(), ADMIN, "wrong but long enough")
            assert password_step(pg.client(), ADMIN).status_code == 429
            pg.clock.advance(minutes=20)
            assert location_path(client.get("/staff/")) == "/staff/sign-in"
            result = app.test_cli_runner().invoke(args=["staff", "disable", ADMIN])
            assert result.exit_code == 0, result.output
            assert app.extensions["audit"].verify()[1] is None
        finally:
            app.extensions["db_engine"].dispose()


# --- In a real browser --------------------------------------------------------------------------


@pytest.fixture
def staff_server(site_dir: Path, tmp_path: Path) -> Iterator[tuple[LiveServer, StaffStore]]:
    app = make_app(site_dir, f"sqlite:///{tmp_path / 'browser.db'}")
    with app.app_context():
        store = staff_store()
    store.create_account(ADMIN, "admin", hash_password(PASSWORD), TEST_ACTOR)
    server = LiveServer(app)
    yield server, store
    server.stop()


@pytest.mark.browser
def test_signing_in_by_keyboard_in_a_browser(browser, staff_server) -> None:
    server, _store = staff_server
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{server.url}/staff/admin/sessions")
        assert "/staff/sign-in" in page.url
        assert axe_violations(page) == []

        def focused() -> str:
            return page.evaluate("document.activeElement && document.activeElement.id")

        def tab_to(element_id: str) -> None:
            for _ in range(15):
                if focused() == element_id:
                    return
                page.keyboard.press("Tab")
            raise AssertionError(f"Tab never reached #{element_id}")

        # Keyboard only: type, Tab, type, Enter.
        tab_to("email")
        page.keyboard.type(ADMIN)
        page.keyboard.press("Tab")
        assert focused() == "password"
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/staff/enrol**")
        assert axe_violations(page) == []
        assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
        secret = page.locator(".staff-secret code").inner_text().replace(" ", "")
        tab_to("code")
        page.keyboard.type(pyotp.TOTP(secret).now())
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server.url}/staff/admin/sessions")
        assert axe_violations(page) == []
        assert page.get_by_role("row", name=re.compile(ADMIN)).count() == 1

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/staff/sign-in")
        assert page.get_by_text("You are signed out").is_visible()
        tab_to("email")
        page.keyboard.type(ADMIN)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/staff/sign-in/code**")
        wait_for_focus(page, "code")
        assert axe_violations(page) == []
        page.keyboard.type("12345")
        page.keyboard.press("Enter")
        page.locator("#error-summary").wait_for()
        assert axe_violations(page) == []  # the page with its error summary
        # The enrolment code's time step is used up; the next step's code is within the window.
        tab_to("code")
        page.keyboard.type(pyotp.TOTP(secret).at(time.time() + 30))
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server.url}/staff/")
    finally:
        context.close()
