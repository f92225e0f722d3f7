"""The home page as a person meets it, the clinic's wordmark in the header, and axe on the pages
this look touches, at 360 and 1280 px in Debian's Chromium; then the same facts followed from a
changed clinic.yml into the home page and every footer."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from intake_server.clinic import load_facts, localized
from site_templates.wordmark import wordmark_svg
from testkit.site import build_site
from tests.helpers.browser import axe_violations
from tests.helpers.site import built_pages
from tests.helpers.viewports import WIDTHS, box, sized_page

HOME = {"/": "en", "/es/": "es"}
TOUCHED = ("/", "/es/", "/crisis/", "/es/crisis/", "/language-help/", "/es/language-help/", "/faq/")


@pytest.mark.browser
@pytest.mark.parametrize("size", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("url", HOME)
def test_the_home_pages_first_screen(browser, live_server, url: str, size) -> None:
    facts = localized(load_facts(), HOME[url])
    with sized_page(browser, live_server.url, size) as page:
        page.goto(live_server.url + url)
        hero = page.locator(".home-hero")
        text = " ".join(hero.inner_text().split())
        # What it is, who it is for, when it meets and where: all from clinic.yml.
        for fact in (
            facts["program"]["ages_text"],
            facts["program"]["days_text"],
            facts["program"]["start_time"],
            facts["program"]["end_time"],
            facts["address_line"],
        ):
            assert fact in text, fact
        assert hero.locator(f'a.clinic-map[href="{facts["map_url"]}"]').count() == 1
        # The two actions: ask for a consultation, and call.
        consult = box(page, ".home-hero a.md-button--primary")
        call = box(page, f'.home-hero a.md-button[href="{facts["phone_tel"]}"]')
        for action in (consult, call):
            assert action["height"] >= 44 and action["width"] >= 44, action
        h1 = box(page, ".home-hero h1")
        assert h1["y"] + h1["height"] <= size[1]
        if size == WIDTHS["laptop"]:
            # On a laptop the whole first screen is the hero: both actions without scrolling.
            assert consult["y"] + consult["height"] <= size[1], consult
        # Trust signals and the place and hours are on the page too.
        trust = page.locator(".home-trust").inner_text()
        assert facts["accreditation"] in trust
        for insurer in facts["insurance"]["in_network"]:
            assert insurer in trust
        visit = " ".join(page.locator(".home-visit").inner_text().split())
        assert facts["phone_hours_text"] in visit and facts["phone"] in visit
        # Cards: side by side on a laptop, one under another on a phone.
        cards = page.locator(".home-card")
        assert cards.count() >= 4
        first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
        assert first and second
        if size == WIDTHS["laptop"]:
            assert abs(first["y"] - second["y"]) < 1 and second["x"] > first["x"]
        else:
            assert second["y"] >= first["y"] + first["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0]


@pytest.mark.browser
@pytest.mark.parametrize("size", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_wordmark_names_the_clinic_in_the_header(browser, live_server, size) -> None:
    name = load_facts()["name"]
    with sized_page(browser, live_server.url, size) as page:
        page.goto(live_server.url + "/faq/")
        logo = page.locator(".md-header a.md-logo svg")
        assert logo.get_attribute("role") == "img"
        assert logo.get_attribute("aria-label") == name
        assert page.locator(".md-header").get_by_role("link", name=name).is_visible()
        mark = box(page, ".md-header a.md-logo svg")
        header = box(page, ".md-header")
        assert mark["height"] >= 20 and mark["width"] > mark["height"] * 3, mark
        assert (
            header["y"] <= mark["y"]
            and mark["y"] + mark["height"] <= header["y"] + header["height"]
        )
        # Never under what sits beside it (menu, language, search), on a phone either.
        beside = page.locator(
            ".md-header__inner > .md-header__button:not(.md-logo),"
            " .md-header__inner > .md-header__option, .md-header .md-search__inner"
        )
        boxes = [beside.nth(i).bounding_box() for i in range(beside.count())]
        level = [
            b
            for b in boxes
            if b
            and b["width"] > 0
            and b["y"] < mark["y"] + mark["height"]
            and mark["y"] < b["y"] + b["height"]
        ]
        assert len(level) >= 2, boxes
        for button in level:
            assert mark["x"] + mark["width"] <= button["x"], (mark, button)


@pytest.mark.browser
@pytest.mark.parametrize("size", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_pages_this_look_touches_are_axe_clean(browser, live_server, size) -> None:
    problems = {}
    with sized_page(browser, live_server.url, size) as page:
        for url in TOUCHED:
            page.goto(live_server.url + url, wait_until="networkidle")
            found = axe_violations(page) + page.watch.failed
            if found:
                problems[url] = found
        assert not page.watch.foreign(), page.watch.foreign()
    assert not problems, problems


def test_the_wordmark_is_made_from_the_name() -> None:
    # Our own generated text, not untrusted input: the standard parser is fine here.
    root = ET.fromstring(wordmark_svg("Smith & Jones Care"))  # noqa: S314
    assert root.get("aria-label") == "Smith & Jones Care"
    assert root.get("role") == "img"
    assert "".join(root.itertext()) == "Smith & Jones Care"
    # A longer name makes a wider mark, never a squeezed one.
    longer = ET.fromstring(wordmark_svg("A much longer clinic name"))  # noqa: S314
    assert int(longer.get("width") or 0) > int(root.get("width") or 0)


def test_changed_facts_reach_the_home_page_and_every_footer(
    project_copy: Path, tmp_path: Path
) -> None:
    facts_file = project_copy / "clinic.yml"
    facts = yaml.safe_load(facts_file.read_text(encoding="utf-8"))
    facts["phone"] = "314-555-0142"
    facts["accreditation"] = "The Joint Commission"
    facts["address"].update(street="4500 Olive Street", locality="Kirkwood", postal_code="63122")
    facts["phone_hours"].update(opens="9:00 am", opens_es="9:00 a. m.")
    facts["program"].update(
        days=["Tuesday", "Wednesday", "Friday"],
        days_es=["martes", "miércoles", "viernes"],
        start_time="5:00 pm",
        start_time_es="5:00 p. m.",
        min_age=21,
    )
    facts_file.write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    result = build_site(project_copy, out, env={"CLINIC_FACTS": str(facts_file)})
    assert result.returncode == 0, result.stderr
    new = {
        "en": [
            "314-555-0142",
            "The Joint Commission",
            "4500 Olive Street, Kirkwood, MO 63122",
            "Monday to Friday, 9:00 am to 5:00 pm",
            "Tuesday, Wednesday and Friday, 5:00 pm",
        ],
        "es": [
            "314-555-0142",
            "The Joint Commission",
            "4500 Olive Street, Kirkwood, MO 63122",
            "de lunes a viernes, de 9:00 a. m. a 5:00 p. m.",
            "martes, miércoles y viernes, de 5:00 p. m.",
        ],
    }
    old = ["314-388-2225", "CARF", "Monday, Tuesday and Thursday", "lunes, martes y jueves"]
    pages = built_pages(out)
    assert len(pages) > 20
    for page in pages:
        text = page.read_text(encoding="utf-8")
        # Each page's own language, as its <html lang> says (404.html and es/404.html too).
        language = "es" if '<html lang="es"' in text else "en"
        footer = text.split('<div class="clinic-footer">', 1)[1].split("</footer>", 1)[0]
        for fact in new[language]:
            assert fact in footer, (page, fact)
        for fact in old:
            assert fact not in footer, (page, fact)
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "adults aged 21 and over" in home and "Tuesday, Wednesday and Friday" in home
    assert "4500 Olive Street" in home and "The Joint Commission accredited" in home
    home_es = (out / "es" / "index.html").read_text(encoding="utf-8")
    assert "adultos de 21 años o más" in home_es and "martes, miércoles y viernes" in home_es
    assert "Acreditación de The Joint Commission" in home_es


def test_the_guides_logo_command_writes_the_wordmark(tmp_path: Path) -> None:
    guide = (Path(__file__).parents[2] / "docs" / "editing.md").read_text(encoding="utf-8")
    assert "python -m site_templates.wordmark" in guide
    out = tmp_path / "logo.svg"
    done = subprocess.run(
        [sys.executable, "-m", "site_templates.wordmark", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == wordmark_svg(load_facts()["name"])


@pytest.mark.browser
@pytest.mark.parametrize("url", ["/guide/what-to-expect/", "/es/faq/", "/language-help/"])
def test_lines_stay_readable_and_headings_strong_on_a_laptop(browser, live_server, url) -> None:
    """Paragraphs no wider than about 70 characters; headings bold, not the theme's thin grey."""
    with sized_page(browser, live_server.url, WIDTHS["laptop"]) as page:
        page.goto(live_server.url + url)
        widest = page.evaluate(
            """() => Math.max(...[...document.querySelectorAll('article p')].map((p) => {
                const probe = document.createElement('span');
                probe.textContent = '0'.repeat(70);
                probe.style.whiteSpace = 'nowrap';
                p.appendChild(probe);
                const ch70 = probe.getBoundingClientRect().width;
                probe.remove();
                return p.getBoundingClientRect().width / ch70;
            }))"""
        )
        assert 0.5 < widest <= 1.01, widest
        weights = page.evaluate(
            "() => [...document.querySelectorAll('article h1, article h2')]"
            ".map((h) => Number(getComputedStyle(h).fontWeight))"
        )
        assert weights and min(weights) >= 700, weights
