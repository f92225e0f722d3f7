"""The facts people look for (phone hours, meeting days, ages, the map link, online groups, the
cost estimate, work during IOP) come from clinic.yml: change a test copy and every page follows."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import yaml

from testkit.site import build_site
from tests.helpers.site import built_pages

# The pages each fact must reach, by URL, and what they must say with the real clinic.yml.
PAGES = ("/get-started/", "/faq/", "/families/")
SPANISH_PAGES = tuple(f"/es{url}" for url in PAGES)


def text_of(out: Path, url: str) -> str:
    """The page's words as a reader sees them (tags dropped, spaces squeezed)."""
    page = (out / url.strip("/") / "index.html").read_text()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_real_facts_are_where_people_look(site_dir: Path) -> None:
    get_started, faq, families = (text_of(site_dir, url) for url in PAGES)
    for page in (get_started, faq):
        assert "Monday to Friday, 8:30 am to 5:00 pm" in page
        assert "Monday, Tuesday and Thursday" in page
        assert "St. Louis, MO" in page
    for page in (faq, families, get_started):
        assert "adults aged 18 and over" in page
    for page in (faq, families):
        assert "younger than 18" in page and "made for young people" in page
    built = (site_dir / "faq" / "index.html").read_text()
    assert (
        'class="clinic-map" href="https://www.google.com/maps/search/?api=1&amp;'
        'query=Plural%20Healthcare%2C%20St.%20Louis%2C%20MO"' in built
    )


def test_one_answer_about_online_groups_estimates_and_work(site_dir: Path) -> None:
    faq = text_of(site_dir, "/faq/")
    levels = text_of(site_dir, "/guide/levels-of-care/")
    for page in (faq, levels):
        assert "Our groups meet in person only." in page
        assert "ask us on the free call" not in page
    for url in ("/faq/", "/get-started/", "/insurance/", "/guide/is-iop-right/"):
        page = text_of(site_dir, url)
        assert "estimate" in page and "after the free consultation, before your evaluation" in page
        assert "estimate before you start" not in page and "before treatment starts" not in page
    working = "so many people keep working or going to school during IOP. Others take time off"
    assert working in faq and working in text_of(site_dir, "/guide/what-to-expect/")


def test_the_spanish_pages_say_the_same_facts_in_spanish(site_dir: Path) -> None:
    get_started, faq, families = (text_of(site_dir, url) for url in SPANISH_PAGES)
    for page in (get_started, faq):
        assert "de lunes a viernes, de 8:30 a. m. a 5:00 p. m." in page
        assert "lunes, martes y jueves" in page
        assert "St. Louis, MO" in page
    for page in (faq, families, get_started):
        assert "adultos de 18 años o más" in page
    for page in (faq, families):
        assert "menos de 18 años" in page and "hecho para jóvenes" in page
        assert "If you are worried" not in page
    levels = text_of(site_dir, "/es/guide/levels-of-care/")
    for page in (faq, levels):
        assert "Nuestros grupos son solo en persona." in page
        assert "Our groups meet" not in page
    for url in ("/es/faq/", "/es/get-started/", "/es/insurance/", "/es/guide/is-iop-right/"):
        page = text_of(site_dir, url)
        assert (
            "cálculo" in page and "después de la consulta gratuita, antes de su evaluación" in page
        )
    working = "Los grupos son por la tarde, así que muchas personas siguen con su trabajo"
    assert working in faq and working in text_of(site_dir, "/es/guide/what-to-expect/")
    # Sentences are written so a time ("7:30 p. m.") never ends one with a second period.
    for built in sorted((site_dir / "es").rglob("index.html")):
        url = "/" + built.parent.relative_to(site_dir).as_posix() + "/"
        page = text_of(site_dir, url)
        assert "p. m.." not in page and "a. m.." not in page, url


def test_changed_facts_reach_every_page_that_shows_them(project_copy: Path, tmp_path: Path) -> None:
    facts_file = project_copy / "clinic.yml"
    facts = yaml.safe_load(facts_file.read_text())
    facts["phone_hours"] = {
        "days": ["Tuesday", "Saturday"],
        "days_es": ["martes", "sábado"],
        "opens": "9:00 am",
        "opens_es": "9:00 a. m.",
        "closes": "1:00 pm",
        "closes_es": "1:00 p. m.",
    }
    facts["address"] |= {"street": "12 Example Lane", "locality": "Clayton", "postal_code": "63105"}
    facts["program"] |= {
        "days": ["Wednesday", "Friday"],
        "days_es": ["miércoles", "viernes"],
        "min_age": 21,
        "max_age": 64,
        "online": True,
        "time_of_day": "morning",
        "time_of_day_es": "mañana",
        "cost_estimate": "once your plan replies",
        "cost_estimate_es": "cuando su plan responda",
    }
    facts_file.write_text(yaml.safe_dump(facts, sort_keys=False))
    out = tmp_path / "out"
    result = build_site(project_copy, out, env={"CLINIC_FACTS": str(facts_file)})
    assert result.returncode == 0, result.stderr
    get_started, faq, families = (text_of(out, url) for url in PAGES)
    for page in (get_started, faq):
        assert "Tuesday and Saturday, 9:00 am to 1:00 pm" in page
        assert "Wednesday and Friday" in page
        assert "12 Example Lane, Clayton, MO 63105" in page
        assert "Monday to Friday" not in page and "Monday, Tuesday and Thursday" not in page
    for page in (faq, families):
        assert "adults aged 21 to 64" in page and "younger than 21" in page
        assert "18 and over" not in page
    assert "We also run groups by video." in faq
    assert "We also run groups by video." in text_of(out, "/guide/levels-of-care/")
    assert "Groups meet in the morning, so many people take time off work or school" in faq
    assert "keep working" not in faq
    assert "written estimate once your plan replies" in faq
    assert "may pay once your plan replies" in get_started
    assert "after the free consultation, before your evaluation" not in get_started
    map_links = [
        p
        for p in built_pages(out)
        if "query=Plural%20Healthcare%2C%2012%20Example%20Lane" in p.read_text()
    ]
    assert {p.parent.name for p in map_links} >= {"faq", "get-started"}
    es_get_started, es_faq, es_families = (text_of(out, url) for url in SPANISH_PAGES)
    for page in (es_get_started, es_faq):
        assert "martes y sábado, de 9:00 a. m. a 1:00 p. m." in page
        assert "miércoles y viernes" in page and "lunes, martes y jueves" not in page
    for page in (es_faq, es_families):
        assert "adultos de 21 a 64 años" in page and "menos de 21 años" in page
    assert "También tenemos grupos por video." in es_faq
    assert "También tenemos grupos por video." in text_of(out, "/es/guide/levels-of-care/")
    assert "Los grupos son por la mañana, así que muchas personas" in es_faq
    assert "cálculo por escrito cuando su plan responda" in es_faq
    assert "después de la consulta gratuita" not in es_get_started
