"""The footer on every page, in English and Spanish, at 360 and 1280 px in Debian's Chromium: the
clinic's name, where it is (with a map link), the phone and when it is answered, when groups meet,
the accreditation, the notices and the crisis lines, all as clinic.yml says, all on screen."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from intake_server.clinic import load_facts, localized
from tests.helpers.site import built_pages, page_url
from tests.helpers.viewports import WIDTHS, sized_page

pytestmark = pytest.mark.browser

CRISIS_LINKS = {
    "en": ["Call 988", "text 988", "Chat at 988lifeline.org", "call 911"],
    "es": [
        "Llame al 988 y marque 2",
        "Envíe AYUDA al 988",
        "Chat en español: 988lifeline.org",
        "llame al 911",
    ],
}


def footer_facts(language: str) -> list[str]:
    """What the footer must say, straight from clinic.yml in the page's language."""
    facts = localized(load_facts(), language)
    return [
        facts["name"],
        facts["address_line"],
        facts["phone"],
        facts["phone_hours_text"],
        facts["program"]["days_text"],
        facts["program"]["start_time"],
        facts["accreditation"],
    ]


@pytest.mark.parametrize("size", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_page_has_the_clinics_footer(browser, live_server, site_dir: Path, size) -> None:
    facts = load_facts()
    problems: dict[str, list[str]] = {}
    with sized_page(browser, live_server.url, size) as page:
        for built in built_pages(site_dir):
            url = page_url(site_dir, built)
            page.goto(live_server.url + url)
            # The page's own language, as its <html lang> says (404.html and es/404.html too).
            language = page.locator("html").get_attribute("lang") or "en"
            footer = page.locator(".clinic-footer")
            found: list[str] = []
            if footer.count() != 1:
                problems[url] = [f"{footer.count()} footers"]
                continue
            footer.scroll_into_view_if_needed()
            text = " ".join(footer.inner_text().split())
            found += [f"missing {fact!r}" for fact in footer_facts(language) if fact not in text]
            links = {
                a.inner_text().strip(): a.get_attribute("href") or ""
                for a in footer.locator("a").all()
            }
            for label in CRISIS_LINKS[language]:
                if label not in links:
                    found.append(f"no crisis link {label!r}")
            if facts["map_url"] not in links.values():
                found.append("no map link")
            if facts["phone_tel"] not in links.values():
                found.append("no phone link")
            # The notices lead to pages in the page's own language.
            prefix = "/es/" if language == "es" else "/"
            targets = {urlsplit(urljoin(live_server.url + url, h)).path for h in links.values()}
            for notice in ("privacy/", "accessibility/", "language-help/"):
                if prefix + notice not in targets:
                    found.append(f"no link to {prefix + notice}")
            # On screen and inside the page's width: nothing to scroll sideways to.
            where = footer.bounding_box()
            if not where or where["x"] < 0 or where["x"] + where["width"] > size[0] + 0.5:
                found.append(f"footer outside the screen: {where}")
            if page.evaluate("document.documentElement.scrollWidth") > size[0]:
                found.append("the page scrolls sideways")
            for link in footer.locator("a").all():
                link_box = link.bounding_box()
                if not link_box or link_box["height"] < 24:
                    found.append(f"link {link.inner_text()!r} is a small target: {link_box}")
            if found:
                problems[url] = found
    assert not problems, problems


def test_the_footers_notice_links_land_on_real_headings(browser, live_server) -> None:
    """ "Non-discrimination notice" opens the language help page at that very section."""
    with sized_page(browser, live_server.url, WIDTHS["phone"]) as page:
        for start, heading in (
            ("/faq/", "We do not discriminate"),
            ("/es/faq/", "No discriminamos"),
        ):
            page.goto(live_server.url + start)
            page.locator(".clinic-footer a[href$='#non-discrimination']").click()
            page.wait_for_url("**/language-help/#non-discrimination")
            target = page.locator("#non-discrimination")
            assert heading in target.inner_text()
            assert target.is_visible()
