"""The staff dashboard in Chromium: signing in by keyboard alone, the whole journey (an account
made with the CLI, a TOTP sign-in, working a submission by keyboard, a signed-out cookie that no
longer opens anything), and a session that times out when idle."""

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

from intake_server.passwords import hash_password
from intake_server.services import services
from intake_server.storage import StaffStore
from tests.helpers.app import LiveServer, make_app
from tests.helpers.browser import axe_violations, focused_id, tab_to, wait_for_focus
from tests.helpers.staff import ADMIN, TEST_ACTOR, first_sign_in
from tests.helpers.staff import PASSWORD as ADMIN_PASSWORD
from tests.helpers.storage import store_submission

pytestmark = pytest.mark.browser

EMAIL = "intake.lead@clinic.example"
PASSWORD = "quartz meadow lantern harbor"


def run_cli(app, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    settings = services(app).settings
    env = {
        **os.environ,
        "INTAKE_ENV": "development",
        "SECRET_KEY": settings.secret_key,
        "ENCRYPTION_KEYS": settings.encryption_keys,
        "DATABASE_URL": settings.database_url,
        "SITE_DIR": str(settings.site_dir),
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
    reference = store_submission(services(app).submissions, "consultation")
    server = LiveServer(app)
    yield server, reference
    server.stop()


# --- Signing in by keyboard ---------------------------------------------------------------


@pytest.fixture
def staff_server(site_dir: Path, tmp_path: Path) -> Iterator[tuple[LiveServer, StaffStore]]:
    app = make_app(site_dir, f"sqlite:///{tmp_path / 'browser.db'}")
    store = services(app).staff
    store.create_account(ADMIN, "admin", hash_password(ADMIN_PASSWORD), TEST_ACTOR)
    server = LiveServer(app)
    yield server, store
    server.stop()


def test_signing_in_by_keyboard_in_a_browser(browser, staff_server) -> None:
    server, _store = staff_server
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{server.url}/staff/admin/sessions")
        assert "/staff/sign-in" in page.url
        assert axe_violations(page) == []

        # Keyboard only: type, Tab, type, Enter.
        tab_to(page, "#email", limit=15)
        page.keyboard.type(ADMIN)
        page.keyboard.press("Tab")
        assert focused_id(page) == "password"
        page.keyboard.type(ADMIN_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/staff/enrol**")
        assert axe_violations(page) == []
        assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
        secret = page.locator(".staff-secret code").inner_text().replace(" ", "")
        tab_to(page, "#code", limit=15)
        page.keyboard.type(pyotp.TOTP(secret).now())
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server.url}/staff/admin/sessions")
        assert axe_violations(page) == []
        assert page.get_by_role("row", name=re.compile(ADMIN)).count() == 1

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/staff/sign-in")
        assert page.get_by_text("You are signed out").is_visible()
        tab_to(page, "#email", limit=15)
        page.keyboard.type(ADMIN)
        page.keyboard.press("Tab")
        page.keyboard.type(ADMIN_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/staff/sign-in/code**")
        wait_for_focus(page, "code")
        assert axe_violations(page) == []
        page.keyboard.type("12345")
        page.keyboard.press("Enter")
        page.locator("#error-summary").wait_for()
        assert axe_violations(page) == []  # the page with its error summary
        # The enrolment code's time step is used up; the next step's code is within the window.
        tab_to(page, "#code", limit=15)
        page.keyboard.type(pyotp.TOTP(secret).at(time.time() + 30))
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server.url}/staff/")
    finally:
        context.close()


# --- The whole journey ---------------------------------------------------------------------


def test_staff_journey_by_keyboard(browser, dashboard) -> None:
    server, reference = dashboard
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/staff/")
    assert "/staff/sign-in" in page.url
    first_sign_in(page, server.url, EMAIL, PASSWORD)

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
    for expected in (
        "Intake Lead claimed it",
        "added a note",
        "moved it to Evaluation scheduled",
        "closed it (Admitted)",
    ):
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
    assert audit.ok and f"changed the status of {reference}" in page.locator("table").inner_text()

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
    app = make_app(site_dir, f"sqlite:///{tmp_path / 'idle.db'}", STAFF_IDLE_MINUTES=0.1)
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
        first_sign_in(page, server.url, EMAIL, PASSWORD)
        time.sleep(7)  # longer than the 6 s idle limit set above (wide enough for a busy machine)
        page.goto(server.url + "/staff/")
        assert "/staff/sign-in" in page.url
        assert page.get_by_text(re.compile("without activity")).is_visible()
    finally:
        server.stop()


# --- Urgency --------------------------------------------------------------------------------


def test_an_urgent_request_shows_why_and_staff_can_overrule_the_flag(
    browser, site_dir, tmp_path
) -> None:
    app = make_app(site_dir, f"sqlite:///{tmp_path / 'urgency.db'}")
    made = run_cli(
        app, "staff", "create", EMAIL, "--role", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert made.returncode == 0, made.stderr
    routine = store_submission(services(app).submissions, "consultation")
    payload = {
        "for_whom": "loved_one",
        "requester_name": "Sam Father",
        "phone": "+13145550142",
        "contact_method": "call",
        "message": "Riley is 15. She told her friend she wants to die and has been cutting herself.",
    }
    urgent = (
        services(app)
        .submissions.add("consultation", payload, urgent=True, idempotency_key="u" * 24)
        .reference
    )
    server = LiveServer(app)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(server.url + "/staff/")
        first_sign_in(page, server.url, EMAIL, PASSWORD)
        rows = page.locator("tbody tr")
        assert urgent in rows.nth(0).inner_text() and routine in rows.nth(1).inner_text()
        page.get_by_role("link", name=urgent).click()
        page.wait_for_url(f"**/staff/submissions/{urgent}")
        flag = page.locator("section.staff-card--urgent")
        assert "Thoughts of suicide: \u201cwants to die\u201d" in flag.inner_text()
        marked = page.locator("mark.staff-crisis-words").all_inner_texts()
        assert "wants to die" in marked and "been cutting herself" in marked
        assert axe_violations(page) == []

        # Overruling the flag needs a reason; it is kept, audited and shown in the timeline.
        page.get_by_role("button", name="Mark not urgent").click()
        assert "/staff/submissions/" in page.url  # the browser asked for the reason first
        page.get_by_label("Why mark it not urgent? (required)").fill(
            "Called the father: she is safe with her mother tonight and has a therapist."
        )
        with page.expect_navigation():
            page.get_by_role("button", name="Mark not urgent").click()
        assert page.get_by_text("Marked not urgent.").is_visible()
        assert page.get_by_role("heading", name="Urgency: routine").is_visible()
        timeline = page.locator(".staff-timeline").inner_text()
        assert "Intake Lead marked it not urgent" in timeline
        assert "she is safe with her mother tonight" in timeline
        assert axe_violations(page) == []
        page.goto(server.url + f"/staff/admin/audit?reference={urgent}")
        assert f"changed the urgency of {urgent}" in page.locator("table").inner_text()
    finally:
        context.close()
        server.stop()


# --- Finding, reading and duplicates --------------------------------------------------------


def test_find_read_copy_and_close_a_duplicate_by_keyboard(browser, site_dir, tmp_path) -> None:
    """A reference typed as it is read out opens the submission; the number is a tel: link in
    the national format; the assessment link is copied with its button; the possible duplicate
    is closed in one step. axe finds nothing on any of these pages or states."""
    app = make_app(site_dir, f"sqlite:///{tmp_path / 'find.db'}")
    made = run_cli(
        app, "staff", "create", EMAIL, "--role", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert made.returncode == 0, made.stderr
    first = store_submission(services(app).submissions, "consultation")
    again = store_submission(services(app).submissions, "consultation")  # the same phone
    server = LiveServer(app)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    try:
        page.goto(server.url + "/staff/")
        first_sign_in(page, server.url, EMAIL, PASSWORD)
        assert page.locator("tbody tr").filter(has_text=f"Possible duplicate of {first}").count()
        assert axe_violations(page) == []

        # A reference that does not exist: said next to the box, with what was typed kept.
        tab_to(page, "#lookup", limit=20)
        page.keyboard.type("zzzz yyyy")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.get_by_text("No submission has the reference ZZZZ-YYYY").is_visible()
        assert page.locator("#lookup").input_value() == "zzzz yyyy"
        wait_for_focus(page, "lookup")
        assert axe_violations(page) == []

        # As the caller reads it out: lower case, a space for the dash.
        page.locator("#lookup").fill("")
        page.keyboard.type(again.lower().replace("-", " "))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url(f"**/staff/submissions/{again}")
        assert page.get_by_role("heading", name=f"Possible duplicate of {first}").is_visible()
        assert axe_violations(page) == []

        # The number: national format, a tel: link.
        call = page.get_by_role("link", name="(314) 555-0142")
        assert call.get_attribute("href") == "tel:+13145550142"
        assert page.get_by_role("link", name="maria@example.org").get_attribute("href") == (
            "mailto:maria@example.org"
        )

        # A personal assessment link, copied with the button.
        with page.expect_navigation():
            page.get_by_role("button", name="Make a new link").click()
        link = page.locator("#new-link").input_value()
        assert "/assessment/" in link
        tab_to(page, "button[data-copy]", limit=60)
        page.keyboard.press("Enter")
        page.get_by_text("Link copied.").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == link
        assert page.locator("button[data-copy]").get_attribute("data-copied") == "true"
        # Without its script the button stays hidden (the class's display does not undo it).
        hidden = page.locator("button[data-copy]").evaluate(
            "b => { b.hidden = true; const d = getComputedStyle(b).display; b.hidden = false; return d; }"
        )
        assert hidden == "none"
        assert axe_violations(page) == []

        # Closed as a duplicate of the first, in one step.
        button = page.get_by_role("button", name=f"Close {again} as a duplicate of {first}")
        button.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.get_by_text(f"Closed as a duplicate of {first}.").is_visible()
        assert page.get_by_text(f"closed it as a duplicate of {first}").is_visible()
        assert axe_violations(page) == []
        page.get_by_role("link", name=first).first.click()
        page.wait_for_url(f"**/staff/submissions/{first}")
        assert page.get_by_text("Possible duplicate").count() == 0

        page.goto(server.url + "/staff/admin/audit")
        assert page.get_by_text(f"viewed {again}").first.is_visible()
        assert axe_violations(page) == []
    finally:
        context.close()
        server.stop()
