"""The whole staff journey in Chromium: an account made with the CLI, a TOTP sign-in, working a
submission by keyboard, and a signed-out cookie that no longer opens anything."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from conftest import LiveServer, axe_violations, make_app
from form_client import CONSULTATION, reference_in, submit

pytestmark = pytest.mark.browser

EMAIL = "intake.lead@clinic.example"
PASSWORD = "quartz meadow lantern harbor"


def run_cli(app, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "INTAKE_ENV": "development",
        "SECRET_KEY": app.config["SECRET_KEY"],
        "ENCRYPTION_KEYS": app.config["ENCRYPTION_KEYS"],
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SITE_DIR": app.config["SITE_DIR"],
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "intake_server", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def dashboard(site_dir: Path, tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    app = make_app(site_dir, f"sqlite:///{tmp_path / 'dashboard.db'}")
    made = run_cli(
        app, "staff", "create", EMAIL, "--role", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert made.returncode == 0, made.stderr
    client = app.test_client()
    assert submit(client, "/consultation/", CONSULTATION).status_code == 303
    reference = reference_in(client.get("/received/").get_data(as_text=True))
    server = LiveServer(app)
    yield server, reference
    server.stop()


def tab_to(page, matches: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches the selector: proof it is reachable by keyboard."""
    for _ in range(limit):
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", matches
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {matches}")


def first_sign_in(page, base_url: str) -> None:
    """From the sign-in page: password, then the authenticator set up with the code it shows."""
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/staff/enrol**")
    secret = page.locator(".staff-secret code").inner_text().replace(" ", "")
    page.get_by_label(re.compile("code", re.I)).first.fill(pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + "/staff/")


def test_staff_journey_by_keyboard(browser, dashboard) -> None:
    server, reference = dashboard
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/staff/")
    assert "/staff/sign-in" in page.url
    first_sign_in(page, server.url)

    # The queue: find the submission.
    assert axe_violations(page) == []
    row = page.get_by_role("row", name=re.compile(reference))
    assert "New" in row.inner_text() and "No one yet" in row.inner_text()
    page.get_by_role("link", name=reference).click()
    page.wait_for_url(f"**/staff/submissions/{reference}")
    assert axe_violations(page) == []
    assert page.get_by_text("Maria Example").first.is_visible()

    # Claim by keyboard alone.
    tab_to(page, "#claim")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("It is yours now.").is_visible()
    assert axe_violations(page) == []

    # A note, typed and sent by keyboard.
    tab_to(page, "#note")
    page.keyboard.type("Left a voicemail at 5:10 pm.")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Note added.").is_visible()
    assert page.locator(".staff-note").inner_text() == "Left a voicemail at 5:10 pm."

    # Through the statuses to closed, with an outcome.
    for status in ("Contacted", "Evaluation scheduled"):
        page.get_by_label("New status").select_option(label=status)
        with page.expect_navigation():
            page.get_by_role("button", name="Change status").click()
        assert page.get_by_text(f"Status changed to {status}.").is_visible()
    page.get_by_label("New status").select_option(label="Closed")
    page.get_by_label("Outcome (when closing)").select_option(label="Admitted")
    with page.expect_navigation():
        page.get_by_role("button", name="Change status").click()
    assert page.get_by_text("Status: Closed (Admitted)").is_visible()
    timeline = page.locator(".staff-timeline").inner_text()
    for expected in ("claimed it", "added a note", "Evaluation scheduled", "Closed (Admitted)"):
        assert expected in timeline

    # Every admin page passes axe.
    for path in (
        "/staff/admin/audit",
        "/staff/admin/exports",
        "/staff/admin/sessions",
        "/staff/?status=closed",
    ):
        page.goto(server.url + path)
        assert axe_violations(page) == [], path
    audit = page.goto(server.url + f"/staff/admin/audit?reference={reference}")
    assert audit.ok and "status_changed" in page.locator("table").inner_text()

    # Sign out, then the old cookie opens nothing.
    cookies = context.cookies()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/staff/sign-in**")
    stale = browser.new_context()
    stale.add_cookies(cookies)
    other = stale.new_page()
    other.goto(server.url + f"/staff/submissions/{reference}")
    assert "/staff/sign-in" in other.url
    assert "Maria Example" not in other.content()
    stale.close()
    context.close()


def test_sessions_time_out_when_idle(browser, site_dir: Path, tmp_path: Path) -> None:
    app = make_app(site_dir, f"sqlite:///{tmp_path / 'idle.db'}", STAFF_IDLE_MINUTES=0.02)
    assert (
        run_cli(
            app, "staff", "create", EMAIL, "--role", "staff", stdin=f"{PASSWORD}\n{PASSWORD}\n"
        ).returncode
        == 0
    )
    server = LiveServer(app)
    try:
        page = browser.new_page()
        page.goto(server.url + "/staff/sign-in")
        first_sign_in(page, server.url)
        time.sleep(2)  # longer than the 1.2 s idle limit set above
        page.goto(server.url + "/staff/")
        assert "/staff/sign-in" in page.url
        assert page.get_by_text(re.compile("without activity")).is_visible()
    finally:
        server.stop()
