"""The callback report in Chromium: zero axe-core violations, the plot drawn inline, nothing
fetched from anywhere else, and the CSV downloaded by its link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from intake_server.passwords import hash_password
from intake_server.services import services
from intake_server.storage import utc_now
from tests.helpers.app import Clock, LiveServer, make_app
from tests.helpers.browser import axe_violations
from tests.helpers.report import filled
from tests.helpers.staff import ADMIN, PASSWORD, TEST_ACTOR, first_sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def report_server(site_dir: Path, tmp_path: Path) -> Iterator[LiveServer]:
    clock = Clock()
    app = make_app(site_dir, f"sqlite:///{tmp_path / 'report.db'}", clock=clock)
    found = services(app)
    filled(found.engine, found.submissions, found.work, clock)
    clock.now = utc_now()  # back to the wall's time, which the authenticator codes follow
    found.staff.create_account(ADMIN, "admin", hash_password(PASSWORD), TEST_ACTOR)
    server = LiveServer(app)
    yield server
    server.stop()


def test_the_report_page_passes_axe_and_fetches_nothing_else(browser, report_server) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    try:
        page.goto(report_server.url + "/staff/")
        first_sign_in(page, report_server.url, ADMIN, PASSWORD)
        page.get_by_role("link", name="Callback report").click()
        page.wait_for_url("**/staff/admin/report")
        assert axe_violations(page) == []
        plot = page.get_by_role("img", name="Share of routine requests reached within the promise")
        assert plot.count() == 1 and plot.is_visible()
        assert page.get_by_role("table").count() == 8
        with page.expect_download() as download:
            page.get_by_role("link", name="Download these figures (CSV)").click()
        assert download.value.suggested_filename == "callback-report.csv"
        assert all(url.startswith(report_server.url) for url in asked), asked
        # Narrow: the tables scroll inside a region that takes keyboard focus.
        page.set_viewport_size({"width": 360, "height": 740})
        assert axe_violations(page) == []
    finally:
        context.close()
