"""The same sources build with both engines, MkDocs and Zensical (issue 14), into the same site:
the same pages in English and Spanish with the same titles, the clinic's facts and the crisis bar on
every page, the same JSON-LD, no broken internal link, and the forms inside the built shell."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

from testkit.site import ENGINES, build_site, site_engine
from tests.helpers.app import make_app
from tests.helpers.environment import ROOT
from tests.helpers.forms import CONSULTATION, submit
from tests.helpers.site import built_pages, jsonld_objects, page_url, parse

FACTS = yaml.safe_load((ROOT / "clinic.yml").read_text(encoding="utf-8"))
PHONE_TEL = 'href="tel:+1' + re.sub(r"\D", "", FACTS["phone"]) + '"'
TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
ARTICLE = re.compile(r"<article[^>]*>(.*?)</article>", re.DOTALL)
FOOTER = re.compile(r"<footer[^>]*>(.*?)</footer>", re.DOTALL)
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")
ID = re.compile(r'\bid="([^"]+)"')
# Zensical builds a 404 page for each language; MkDocs writes one, at the root, and its Spanish
# build writes it last, so MkDocs' root 404 page is in Spanish (mkdocs-static-i18n builds each
# language into the same site_dir, and the theme's 404 template is not a page it moves to /es/).
# (site_templates/hooks.py, from the Spanish work, moves it to /es/404.html.) Nothing else may
# differ between the two sets of pages.
ZENSICAL_ONLY = {"/es/404.html"}


def spanish_404_at_the_root(site: Path) -> bool:
    """MkDocs' defect: one 404 page, the Spanish build's, at the root."""
    return not (site / "es/404.html").is_file()


@pytest.fixture(scope="module")
def sites(site_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The real site built by each engine: the session's site for the default engine, and a
    build by the other one."""
    built = {site_engine(): site_dir}
    for engine in ENGINES:
        if engine not in built:
            out = tmp_path_factory.mktemp(f"site-{engine}")
            result = build_site(ROOT, out, engine=engine)
            assert result.returncode == 0, result.stdout + result.stderr
            built[engine] = out
    return built


def pages_of(site: Path) -> dict[str, Path]:
    return {page_url(site, page): page for page in built_pages(site)}


def text(html: str) -> str:
    return " ".join(TAG.sub(" ", html).split())


def test_both_engines_build_the_same_pages_in_both_languages(sites: dict[str, Path]) -> None:
    mkdocs, zensical = (set(pages_of(sites[engine])) for engine in ENGINES)
    assert mkdocs <= zensical and zensical - mkdocs <= ZENSICAL_ONLY
    english = {url for url in mkdocs if not url.startswith("/es/")}
    spanish = {url for url in mkdocs if url.startswith("/es/")}
    assert len(english) >= 17 and "/consultation/" in english and "/faq/" in english
    # Every English page has its Spanish page (MkDocs' root 404 page may be the one for both).
    assert {"/es" + url for url in english} - spanish <= {"/es/404.html"}
    assert {"/es" + url for url in english} >= spanish


def test_the_same_titles_and_words(sites: dict[str, Path]) -> None:
    """Each page has the same title, its article the same words, macros and all, and its
    footer the same facts and links."""
    mkdocs, zensical = (pages_of(sites[engine]) for engine in ENGINES)
    for url, page in mkdocs.items():
        ours, theirs = page.read_text(), zensical[url].read_text()
        assert TITLE.search(ours)[1] == TITLE.search(theirs)[1], url
        assert [text(h) for h in H1.findall(ours)] == [text(h) for h in H1.findall(theirs)], url
        assert text(ARTICLE.search(ours)[1]) == text(ARTICLE.search(theirs)[1]), url
        if url != "/404.html" or not spanish_404_at_the_root(sites["mkdocs"]):
            assert text(FOOTER.search(ours)[1]) == text(FOOTER.search(theirs)[1]), url


@pytest.mark.parametrize("engine", ENGINES)
def test_facts_and_crisis_bar_on_every_page(sites: dict[str, Path], engine: str) -> None:
    for url, page in pages_of(sites[engine]).items():
        html = page.read_text()
        where = f"{engine} {url}"
        assert 'class="crisis-bar"' in html, where
        for link in ('href="tel:988"', 'href="sms:988"', 'href="tel:911"', PHONE_TEL):
            assert link in html, (where, link)
        assert FACTS["name"] in html, where
        spanish = url.startswith("/es/") or (
            url == "/404.html" and spanish_404_at_the_root(sites[engine])
        )
        assert ("marque 2" in html and "AYUDA" in html) == spanish, where
        assert f'<html lang="{"es" if spanish else "en"}"' in html, where
    # A fact worded in clinic.yml reaches the pages, with either engine.
    assert "Monday, Tuesday and Thursday" in text((sites[engine] / "faq/index.html").read_text())


def test_zensical_serves_each_language_its_own_404_page(sites: dict[str, Path]) -> None:
    site = sites["zensical"]
    english, spanish = (site / "404.html").read_text(), (site / "es/404.html").read_text()
    assert '<html lang="en"' in english and "Page not found" in english
    assert '<html lang="es"' in spanish and "marque 2" in spanish
    assert not spanish_404_at_the_root(site)


def test_the_same_structured_data(sites: dict[str, Path]) -> None:
    mkdocs, zensical = (pages_of(sites[engine]) for engine in ENGINES)
    for url, page in mkdocs.items():
        ours, theirs = jsonld_objects(parse(page)), jsonld_objects(parse(zensical[url]))
        assert ours == theirs, url
        assert any(o["@type"] == "MedicalClinic" for o in ours), url
    faq = [o for o in jsonld_objects(parse(zensical["/es/faq/"])) if o["@type"] == "FAQPage"]
    assert len(faq) == 1 and all(
        "{{" not in q["acceptedAnswer"]["text"] for q in faq[0]["mainEntity"]
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_both_languages_in_the_sitemap_and_the_search(sites: dict[str, Path], engine: str) -> None:
    """Every page's address, in both languages, is in a sitemap (MkDocs: one for both; Zensical:
    one per language, each naming the other's pages as hreflang alternates), and a search in
    Spanish reads a Spanish index."""
    site = sites[engine]
    listed = " ".join(path.read_text() for path in site.rglob("sitemap.xml"))
    base = FACTS["site_url"].rstrip("/")
    for url in pages_of(site):
        if not url.endswith("404.html"):
            assert f'"{base}{url}"' in listed or f"<loc>{base}{url}</loc>" in listed, (engine, url)
    indexes = [json.loads(p.read_text()) for p in site.rglob("search*.json")]
    spanish = [i for i in indexes if "es" in i["config"]["lang"]]
    entries = [e for i in spanish for e in i.get("docs", i.get("items", []))]
    assert any(e["title"] == "Preguntas y respuestas" for e in entries), engine


@pytest.mark.parametrize("engine", ENGINES)
def test_no_broken_internal_link(sites: dict[str, Path], engine: str) -> None:
    """Every link and resource on every page leads to a file of the site, and every #fragment to
    an element of that page."""
    site = sites[engine]
    ids: dict[Path, set[str]] = {}
    broken = []
    checked = 0
    for url, page in pages_of(site).items():
        parsed = parse(page)
        for href in [*parsed.anchors, *parsed.resources]:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not (parts.path or parts.fragment):
                continue
            target_url = urljoin(url, unquote(parts.path)) if parts.path else url
            target = site / target_url.lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.is_file():
                broken.append(f"{url} -> {href}")
            elif parts.fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(ID.findall(target.read_text()))
                if unquote(parts.fragment) not in ids[target]:
                    broken.append(f"{url} -> {href} (no such anchor)")
    assert checked > 500
    assert broken == []


@pytest.mark.parametrize("engine", ENGINES)
def test_forms_render_inside_the_built_shell(
    sites: dict[str, Path], engine: str, tmp_path: Path
) -> None:
    """The service dresses its forms in the built form pages: with either engine's site, the form
    sits in the page's own shell (crisis bar, header, navigation), and so does the confirmation."""
    app = make_app(sites[engine], f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    client = app.test_client()
    for path, button in (("/consultation/", "Send my request"), ("/es/consultation/", "Enviar")):
        page = client.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 200, (engine, path)
        assert "<form" in html and button in html, (engine, path)
        assert 'class="crisis-bar"' in html and 'class="md-header' in html, (engine, path)
        assert "intake-fallback" not in html, (engine, path)  # the form replaced "Please call us"
        assert 'class="md-nav' in html and PHONE_TEL in html, (engine, path)
    sent = submit(client, "/consultation/", CONSULTATION)
    confirmation = client.get(sent.headers["Location"]) if sent.status_code in (302, 303) else sent
    html = confirmation.get_data(as_text=True)
    assert confirmation.status_code == 200, engine
    assert "Thank you. We have your request." in html, engine
    assert 'class="crisis-bar"' in html and 'class="md-header' in html, engine
