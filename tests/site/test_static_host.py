"""The static site on a host of its own, the forms on the service (docs/deploy.md, "The site on
another host"): built with `intake.service_url`, `site/` served by a plain static file server on one
port and the service on another. A person follows "Request a free consultation" in Chromium, sends
it, and lands on a confirmation that looks like the site; until then no page of the static copy
asks the service for anything. Run with both engines, whose inline scripts and styles differ: the
service's Content-Security-Policy must allow the ones of the site it was given, worked out from it."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from testkit.service import Deployment, Service, free_port
from testkit.site import ENGINES, build_site
from tests.helpers.browser import PageWatch, axe_violations
from tests.helpers.site import built_pages, parse
from tests.intake.test_browser import fill_consultation_for_loved_one

# What the visitor reads on the static copy before opening a form: pages in both languages.
STATIC_PAGES = ("/", "/faq/", "/guide/", "/es/", "/es/faq/")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *_: object) -> None:
        """No line per request in the test's output."""


@pytest.fixture
def static_host(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A plain static file server (Python's http.server) for a folder, on a loopback port."""
    root = tmp_path / "static"
    root.mkdir()
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.browser
@pytest.mark.parametrize("engine", ENGINES)
def test_static_copy_leads_to_the_service_only_when_a_form_opens(
    engine: str,
    project_copy: Path,
    static_host: tuple[Path, str],
    browser,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    site, site_url = static_host
    port = free_port()
    service_url = f"http://127.0.0.1:{port}"
    facts = project_copy / "clinic.yml"
    text = facts.read_text(encoding="utf-8")
    assert 'service_url: ""' in text
    facts.write_text(text.replace('service_url: ""', f'service_url: "{service_url}"'))
    # The build and the service (a process of its own, which inherits it) read this clinic.yml.
    monkeypatch.setenv("CLINIC_FACTS", str(facts))
    result = build_site(project_copy, site, engine=engine)
    assert result.returncode == 0, result.stdout + result.stderr
    # Every page: the service appears only as the address of links (a link fetches nothing until
    # it is followed), never as a script, style, image or frame; a browser checks a few below.
    for built in built_pages(site):
        parsed = parse(built)
        assert not [u for u in parsed.resources if u.startswith(service_url)], built
    consult = parse(site / "index.html").anchors
    assert f"{service_url}/consultation/" in consult
    assert f"{service_url}/es/consultation/" in parse(site / "es/index.html").anchors

    deployment = Deployment(site_dir=site, database_url=f"sqlite:///{tmp_path / 'intake.db'}")
    deployment.upgrade()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = PageWatch(page, site_url)
    try:
        with Service(deployment, port=port, workers=1):
            for path in STATIC_PAGES:
                page.goto(site_url + path)
                assert page.locator(".crisis-bar").is_visible(), path
                assert axe_violations(page) == [], (engine, path)
            assert not [u for u in watch.requests if u.startswith(service_url)], engine
            assert watch.foreign() == [], engine

            page.goto(site_url + "/")
            page.locator(".clinic-bar").get_by_role(
                "link", name="Request a free consultation"
            ).click()
            page.wait_for_url(service_url + "/consultation/")
            assert axe_violations(page) == [], (engine, "the form")
            assert page.locator("form").get_by_role("button", name="Send my request").is_visible()
            fill_consultation_for_loved_one(page)
            page.get_by_role("button", name="Send my request").click()
            page.wait_for_url(service_url + "/received/")
            confirmation_looks_like_the_site(page, engine, service_url)
    finally:
        context.close()
    # Nothing refused by the service's Content-Security-Policy, nothing failed, nothing foreign.
    assert watch.errors == [], (engine, watch.errors)
    # (The search worker's scripts a page was still fetching when the visitor moved on are
    # cancelled by the browser, net::ERR_ABORTED: not a failure.)
    failed = [f for f in watch.failed if not f.endswith("net::ERR_ABORTED")]
    assert failed == [], (engine, failed)
    assert not [u for u in watch.requests if not u.startswith((site_url, service_url, "data:"))]


def confirmation_looks_like_the_site(page, engine: str, service_url: str) -> None:
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you. We have your request."
    # It looks like the site: the same theme and clinic styles, crisis bar, header and menu.
    for selector in (".crisis-bar", ".md-header", ".clinic-bar"):
        assert page.locator(selector).first.is_visible(), (engine, selector)
    assert axe_violations(page) == [], (engine, "the confirmation")
    sheets = page.evaluate("[...document.styleSheets].map(s => s.href).filter(Boolean)")
    assert any(s.endswith("/assets/clinic.css") for s in sheets), sheets
    assert all(s.startswith(service_url) for s in sheets), sheets
