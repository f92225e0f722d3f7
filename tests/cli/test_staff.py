"""`flask staff ...`: accounts made, listed, disabled and reset from the command line, with
passwords read from a hidden prompt or standard input, never from an argument."""

from __future__ import annotations

from intake_server.cli import staff as staff_commands
from tests.helpers.staff import (
    ADMIN,
    NEW_PASSWORD,
    PASSWORD,
    STAFF,
    Harness,
    location_path,
    password_step,
    sign_in,
)


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
    monkeypatch.setattr(staff_commands, "_interactive", lambda: True)
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
    signed = sign_in(client, ADMIN, password=NEW_PASSWORD, code=harness.code(admin))
    assert signed.status_code == 303

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
