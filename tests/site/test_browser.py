"""The site in Debian's Chromium at phone size: crisis help on the first screen, axe-clean pages,
and nothing fetched from anywhere but the site itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.browser import axe_violations
from tests.helpers.site import built_pages, page_url

pytestmark = pytest.mark.browser


def test_crisis_bar_and_call_link_are_on_the_first_phone_screen(phone_page, live_server) -> None:
    phone_page.goto(live_server.url + "/")
    for selector in (
        '.crisis-bar a[href="tel:988"]',
        '.crisis-bar a[href="sms:988"]',
        '.crisis-bar a[href="tel:911"]',
        ".clinic-bar__call",
    ):
        box = phone_page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["y"] >= 0 and box["y"] + box["height"] <= 740, (
            f"{selector} below the fold: {box}"
        )
        assert phone_page.locator(selector).is_visible(), selector


def test_crisis_bar_stays_on_screen_after_scrolling(phone_page, live_server) -> None:
    phone_page.goto(live_server.url + "/guide/what-to-expect/")
    phone_page.mouse.wheel(0, 4000)
    phone_page.wait_for_function("window.scrollY > 1000")
    box = phone_page.locator('.crisis-bar a[href="tel:988"]').bounding_box()
    assert box is not None and 0 <= box["y"] < 120, box


def test_every_page_is_axe_clean_and_loads_only_from_the_site(
    phone_page, live_server, site_dir: Path
) -> None:
    problems: dict[str, list[str]] = {}
    for page in built_pages(site_dir):
        url = page_url(site_dir, page)
        phone_page.watch.failed.clear()
        phone_page.goto(live_server.url + url, wait_until="networkidle")
        found = axe_violations(phone_page)
        if url != "/404.html":
            found += phone_page.watch.failed
        if found:
            problems[url] = found
    assert not problems, problems
    assert not phone_page.watch.foreign(), phone_page.watch.foreign()
    assert not phone_page.watch.errors, phone_page.watch.errors


def test_desktop_pages_are_axe_clean(browser, live_server) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for url in ("/", "/faq/", "/guide/levels-of-care/"):
        page.goto(live_server.url + url, wait_until="networkidle")
        assert axe_violations(page) == [], url
    context.close()
