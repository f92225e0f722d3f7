"""Signing in and out of the staff dashboard: the password, the one-time code and its enrolment,
throttling, sessions that end, the session cookie, and the audit trail of every attempt.

Time is moved with the app's clock, never waited for: a test that needs a new TOTP time step or
an idle session advances the clock instead.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from intake_server.extensions import limiter
from intake_server.services import services
from intake_server.storage import session_id_for
from testkit.postgres import fresh_schema
from testkit.service import free_port
from tests.helpers.forms import csrf, submit
from tests.helpers.mail import DASHBOARD, background_send, mail_config, smtp_server
from tests.helpers.staff import (
    ADMIN,
    NEW_PASSWORD,
    PASSWORD,
    POLICY,
    STAFF,
    Harness,
    error_text,
    form_token,
    location_path,
    password_step,
    sign_in,
    sign_out,
)

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


def test_throttling_delays_and_then_recovers(harness: Harness, admin: str) -> None:
    for _ in range(5):
        refused = password_step(harness.client(), ADMIN, "wrong but long enough")
        assert refused.status_code == 200
    # Now even the right password waits: a stranger can slow an account, briefly.
    paused = password_step(harness.client(), ADMIN)
    assert paused.status_code == 429 and "Try again in 30 seconds" in paused.text
    harness.clock.advance(seconds=31)
    client = harness.client()
    assert sign_in(client, ADMIN, code=harness.code(admin)).status_code == 303
    # Success cleared the count: one slip is just a slip again.
    assert password_step(harness.client(), ADMIN, "wrong but long enough").status_code == 200
    assert location_path(password_step(harness.client(), ADMIN)) == "/staff/sign-in/code"


def client_at(harness: Harness, address: str):
    client = harness.client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_known_and_an_unknown_email_are_paused_alike(harness: Harness, admin: str) -> None:
    """After the same failures, the same answer: a pause must not say an account exists."""
    answers = {}
    for email in (ADMIN, "nobody@clinic.example"):
        client = client_at(harness, "203.0.113.7")
        for _ in range(5):
            assert password_step(client, email, "wrong but long enough").status_code == 200
        answers[email] = password_step(client, email, "wrong but long enough")
    known, unknown = answers.values()
    assert known.status_code == unknown.status_code == 429
    assert error_text(known.text) == error_text(unknown.text)
    assert "paused. Try again in 30 seconds" in known.text


def test_a_stranger_cannot_lock_the_owner_out(harness: Harness, admin: str) -> None:
    stranger = client_at(harness, "203.0.113.7")
    for _ in range(12):
        password_step(stranger, ADMIN, "guess after guess")
    # The stranger's network is paused, even with the right password...
    assert password_step(stranger, ADMIN).status_code == 429
    # ...while the owner, elsewhere, signs in at once.
    owner = client_at(harness, "198.51.100.20")
    assert sign_in(owner, ADMIN, code=harness.code(admin)).status_code == 303
    assert owner.get("/staff/admin/sessions").status_code == 200


def test_admins_get_a_notice_without_phi_when_an_account_keeps_failing(
    site_dir: Path, sqlite_url: str
) -> None:
    port = free_port()
    harness = Harness.start(
        site_dir, sqlite_url, **mail_config(port), ADMIN_ALERT_INBOX="security@clinic.example"
    )
    harness.user(STAFF)
    with smtp_server(port) as inbox:
        for n in range(10):
            password_step(client_at(harness, f"203.0.113.{n}"), STAFF, f"guess number {n}")
        background_send(harness.app)
    [notice] = inbox.messages
    assert notice["To"] == "security@clinic.example"
    assert notice["Subject"] == f"Staff sign-in: 10 failed attempts for {STAFF}"
    body = notice.get_content()
    assert f"{DASHBOARD}/staff/admin/audit?actor=ben%40clinic.example" in body
    assert "guess number" not in body and "203.0.113" not in body
    [entry] = [e for e in harness.audit() if e.action == "repeated_sign_in_failures"]
    assert json.loads(entry.detail) == {"account": STAFF, "failures": 10}


def test_wrong_codes_are_throttled_too(harness: Harness, admin: str) -> None:
    client = harness.client()
    first = password_step(client, ADMIN)
    wrong = str((int(harness.code(admin)) + 1) % 1_000_000).zfill(6)
    for _ in range(4):
        refused = submit(client, first.location, {"code": wrong})
        assert refused.status_code == 200 and "That code is not right" in refused.text
    # The fifth failure starts a pause; the right code must wait for it too.
    assert submit(client, first.location, {"code": wrong}).status_code == 200
    paused = submit(client, first.location, {"code": harness.code(admin)})
    assert paused.status_code == 429 and "paused" in paused.text
    harness.clock.advance(seconds=31)
    ok = submit(client, first.location, {"code": harness.code(admin)})
    assert ok.status_code == 303 and ok.location == "/staff/"


def test_a_code_works_once(harness: Harness, admin: str) -> None:
    sign_out(harness.signed_in(ADMIN, admin))
    again = harness.client()
    first = password_step(again, ADMIN)
    reused = submit(again, first.location, {"code": harness.code(admin)})
    assert reused.status_code == 200 and "already used" in reused.text
    harness.clock.advance(seconds=30)
    fresh = submit(again, first.location, {"code": harness.code(admin)})
    assert fresh.status_code == 303
    reasons = [json.loads(e.detail) for e in harness.audit() if e.action == "sign_in_code_failed"]
    assert reasons == [{"reason": "reused_code"}]


def test_codes_from_the_next_and_previous_step_are_accepted(harness: Harness, admin) -> None:
    for steps in (-1, 1):
        harness.clock.advance(seconds=90)
        client = harness.client()
        first = password_step(client, ADMIN)
        done = submit(client, first.location, {"code": harness.code(admin, steps)})
        assert done.status_code == 303 and done.location == "/staff/", steps
    harness.clock.advance(seconds=90)
    client = harness.client()
    first = password_step(client, ADMIN)
    too_late = submit(client, first.location, {"code": harness.code(admin, -2)})
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
    wrong = submit(client, first.location, {"code": "12345"})
    assert wrong.status_code == 400 and "6 digits" in wrong.text
    done = submit(client, first.location, {"code": harness.code(secret)})
    assert done.status_code == 303 and done.location == "/staff/?status=new"
    assert harness.store.find_account(STAFF).mfa_enrolled
    # Enrolled: the next sign-in asks for a code, not a new secret.
    harness.clock.advance(seconds=30)
    client = harness.client()
    assert sign_in(client, STAFF, code=harness.code(secret)).status_code == 303


def test_mfa_can_be_skipped_only_in_development(site_dir: Path, tmp_path: Path) -> None:
    dev = Harness.start(site_dir, f"sqlite:///{tmp_path / 'dev.db'}", STAFF_MFA_OPTIONAL=True)
    dev.user(STAFF, enrolled=False)
    skipped = password_step(dev.client(), STAFF)
    assert skipped.status_code == 303 and skipped.location == "/staff/"
    prod = Harness.start(
        site_dir,
        f"sqlite:///{tmp_path / 'prod.db'}",
        INTAKE_ENV="production",
        PUBLIC_URL="https://localhost",
        STAFF_MFA_OPTIONAL=True,
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
    submit(client, first.location, {"code": harness.code(admin)})
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


def test_idle_limit_comes_from_config(site_dir: Path, sqlite_url: str) -> None:
    harness = Harness.start(site_dir, sqlite_url, STAFF_IDLE_MINUTES=2)
    admin = harness.user(ADMIN, "admin")
    client = harness.signed_in(ADMIN, admin)
    harness.clock.advance(minutes=2)
    response = client.get("/staff/")
    assert location_path(response) == "/staff/sign-in"
    assert "after 2 minutes without activity" in client.get(response.location).text


def test_sessions_end_after_their_lifetime_however_active(site_dir: Path, sqlite_url: str) -> None:
    harness = Harness.start(site_dir, sqlite_url, STAFF_SESSION_HOURS=1)
    admin = harness.user(ADMIN, "admin")
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


def test_sign_out_works_from_a_tab_with_a_stale_form_token(harness: Harness, admin) -> None:
    client = harness.signed_in(ADMIN, admin)
    token = harness.cookie(client)
    signed_out = [e.action for e in harness.audit()].count("sign_out")
    for stale in ({"csrf_token": "from a tab left open all day"}, {}):
        out = client.post("/staff/sign-out", data=stale)
        assert out.status_code == 303 and location_path(out) == "/staff/sign-in"
    assert harness.cookie(client) is None
    replay = harness.client()
    replay.set_cookie(harness.cookie_name(), token)
    assert location_path(replay.get("/staff/")) == "/staff/sign-in"
    assert [e.action for e in harness.audit()].count("sign_out") == signed_out + 1


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


# --- Cookies and headers ---------------------------------------------------------------------------


def test_cookie_flags_in_production(site_dir: Path, tmp_path: Path) -> None:
    prod = Harness.start(
        site_dir,
        f"sqlite:///{tmp_path / 'prod.db'}",
        INTAKE_ENV="production",
        PUBLIC_URL="https://localhost",
    )
    secret = prod.user(ADMIN, "admin")
    client = prod.client(https=True)
    first = password_step(client, ADMIN)
    done = submit(client, first.location, {"code": prod.code(secret)})
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


def test_a_stale_sign_in_form_is_shown_again(harness: Harness, admin: str) -> None:
    client = harness.client()
    client.get("/staff/sign-in")
    stale = client.post("/staff/sign-in", data={"csrf_token": "stale", "email": ADMIN})
    assert stale.status_code == 303 and stale.location == "/staff/sign-in"
    assert "open for a long time" in client.get("/staff/sign-in").text


def test_per_client_rate_limit_on_sign_in(site_dir: Path, tmp_path: Path) -> None:
    was_enabled = limiter.enabled
    try:
        limited = Harness.start(
            site_dir,
            f"sqlite:///{tmp_path / 'limited.db'}",
            RATELIMIT_ENABLED=True,
            STAFF_SIGN_IN_LIMIT="3 per minute",
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
    assert submit(client, first.location, {"code": wrong}).status_code == 200
    assert submit(client, first.location, {"code": harness.code(secret)}).status_code == 303
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
    checked, broken = services(app).audit.verify()
    assert (checked, broken) == (len(entries), None)


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_sign_in_and_throttling_on_postgresql(site_dir: Path, postgres_url: str) -> None:
    with fresh_schema(postgres_url) as url:
        pg = Harness.start(site_dir, url)
        app = pg.app
        try:
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
            assert services(app).audit.verify()[1] is None
        finally:
            services(app).engine.dispose()
