"""The Spanish site in Debian's Chromium at phone size (360 px): the language switcher leads to the
same page in the other language, Spanish search finds Spanish pages, the Spanish crisis bar is on
the first screen, and Spanish pages are axe-clean and load nothing from other hosts."""

from __future__ import annotations

import re

import pytest

from tests.helpers.browser import axe_violations

pytestmark = pytest.mark.browser

SPANISH_PAGES = (
    "/es/",
    "/es/crisis/",
    "/es/faq/",
    "/es/guide/levels-of-care/",
    "/es/consultation/",
)


def switch_language(page, name: str) -> None:
    """Open the theme's language menu and pick a language, as a visitor on a phone would."""
    page.locator(
        '.md-header button[aria-label="Seleccionar idioma"], .md-header button[aria-label="Select language"]'
    ).first.click()
    page.locator(".md-select__link", has_text=name).first.click()


@pytest.mark.parametrize(
    ("start", "language", "lands"),
    [
        ("/guide/after-iop/", "Español", "/es/guide/after-iop/"),
        ("/es/guide/after-iop/", "English", "/guide/after-iop/"),
        ("/es/", "English", "/"),
        ("/insurance/", "Español", "/es/insurance/"),
    ],
)
def test_the_switcher_leads_to_the_same_page_in_the_other_language(
    phone_page, live_server, start: str, language: str, lands: str
) -> None:
    phone_page.goto(live_server.url + start)
    switch_language(phone_page, language)
    phone_page.wait_for_url(live_server.url + lands)
    lang = "es" if lands.startswith("/es/") else "en"
    assert phone_page.locator("html").get_attribute("lang") == lang


def test_spanish_search_finds_spanish_pages(phone_page, live_server) -> None:
    phone_page.goto(live_server.url + "/es/faq/")
    phone_page.locator('label.md-header__button[for="__search"]').click()
    # Typed key by key, as a visitor does: the theme searches on each key.
    phone_page.locator("input.md-search__input").press_sequentially("deducible", delay=30)
    results = phone_page.locator(".md-search-result__item a")
    results.first.wait_for(state="visible")
    hrefs = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
    spanish = [h for h in hrefs if re.search(r"/es/(faq|get-started|insurance)/", h)]
    assert spanish, hrefs
    assert phone_page.locator(".md-search__input").get_attribute("placeholder") == "Búsqueda"


def test_the_spanish_crisis_bar_is_on_the_first_phone_screen(phone_page, live_server) -> None:
    phone_page.goto(live_server.url + "/es/guide/")
    for href, words in (
        ("tel:988", "Llame al 988 y marque 2"),
        ("sms:988", "Envíe AYUDA al 988"),
        ("https://988lifeline.org/chat/", "Chat en español desde 988lifeline.org"),
        ("tel:911", "llame al 911"),
    ):
        # Its whole words are its name (a phone shows the first ones, or just the number).
        link = phone_page.locator(".crisis-bar").get_by_role("link", name=words, exact=True)
        assert link.get_attribute("href") == href
        box = link.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 740, words
        assert link.is_visible(), words


def test_spanish_pages_are_axe_clean_and_load_only_from_the_site(phone_page, live_server) -> None:
    problems: dict[str, list[str]] = {}
    for url in SPANISH_PAGES:
        phone_page.watch.failed.clear()
        phone_page.goto(live_server.url + url, wait_until="networkidle")
        found = axe_violations(phone_page) + phone_page.watch.failed
        if found:
            problems[url] = found
    assert not problems, problems
    assert not phone_page.watch.foreign(), phone_page.watch.foreign()
    assert not phone_page.watch.errors, phone_page.watch.errors
