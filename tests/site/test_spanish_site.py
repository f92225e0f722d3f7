"""The Spanish site as built: every page under /es/ in Spanish, lang and hreflang, the sitemap and
the search index in both languages, crisis help in Spanish, macros and facts in Spanish, no link
that slips into the other language, and the Spanish form shells the intake service dresses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml

from intake_server.web.shells import load_shell
from testkit.site import build_site
from tests.helpers.environment import ROOT
from tests.helpers.site import built_pages, jsonld_objects, page_url, parse

CONTENT = ROOT / "content"
LANG = re.compile(r'<html lang="([^"]+)"')
SWITCHER = re.compile(r'<a href="([^"]*)" hreflang="([^"]+)" class="md-select__link">')
ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.DOTALL)
HREF = re.compile(r'<a [^>]*href="([^"]*)"')
LINK = re.compile(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
TAG = re.compile(r"<[^>]+>")


def english_sources() -> list[str]:
    return sorted(
        p.relative_to(CONTENT).as_posix()
        for p in CONTENT.rglob("*.md")
        if not p.name.endswith(".es.md")
    )


def url_of(src: str) -> str:
    path = src.removesuffix(".md").removesuffix("index").rstrip("/")
    return f"/{path}/" if path else "/"


def html(site: Path, url: str) -> str:
    return (site / url.strip("/") / "index.html").read_text(encoding="utf-8")


def resolve(url: str, href: str) -> str:
    return urlsplit(urljoin(f"http://site{url}", href)).path


def article_links(site: Path, url: str) -> list[str]:
    """Where the links in a page's own text go (not the menu, the switcher or the bars)."""
    [article] = ARTICLE.findall(html(site, url))
    return [
        resolve(url, href)
        for href in HREF.findall(article)
        if not re.match(r"[a-z]+:", href) and not href.startswith("#")
    ]


def test_every_english_page_has_its_spanish_page_in_spanish(site_dir: Path) -> None:
    for src in english_sources():
        url = url_of(src)
        assert (CONTENT / src.replace(".md", ".es.md")).is_file(), src
        assert LANG.search(html(site_dir, url)).group(1) == "en", url
        spanish = html(site_dir, "/es" + url)
        assert LANG.search(spanish).group(1) == "es", url
        meta = yaml.safe_load((CONTENT / src.replace(".md", ".es.md")).read_text().split("---")[1])
        assert f"<title>{meta['title']}" in spanish.replace("&iquest;", "¿"), url
        assert meta["translation_reviewed"] in (False, True), src


def test_each_pages_switcher_names_the_same_page_in_both_languages(site_dir: Path) -> None:
    for src in english_sources():
        english, spanish = url_of(src), "/es" + url_of(src)
        for url in (english, spanish):
            page = html(site_dir, url)
            found = {lang: resolve(url, href) for href, lang in SWITCHER.findall(page)}
            assert found == {"en": english, "es": spanish}, url
            # The theme's script fetches sitemap.xml beside each head alternate: none, no 404s.
            assert '<link rel="alternate"' not in page, url


def test_the_sitemap_lists_both_languages_with_their_hreflang_alternates(site_dir: Path) -> None:
    sitemap = (site_dir / "sitemap.xml").read_text()
    site_url = "https://www.pluralhealthcare.com"
    entries = re.findall(r"<url>(.*?)</url>", sitemap, re.DOTALL)
    by_loc = {re.search(r"<loc>(.*?)</loc>", e).group(1): e for e in entries}
    for src in english_sources():
        english, spanish = site_url + url_of(src), site_url + "/es" + url_of(src)
        for loc in (english, spanish):
            entry = by_loc[loc]
            assert f'hreflang="en" href="{english}"' in entry, loc
            assert f'hreflang="es" href="{spanish}"' in entry, loc


def test_the_search_index_holds_spanish_pages_in_spanish(site_dir: Path) -> None:
    index = json.loads((site_dir / "search" / "search_index.json").read_text())
    assert "es" in index["config"]["lang"]  # Spanish stemming and stop words
    spanish = {d["location"]: d for d in index["docs"] if d["location"].startswith("es/")}
    assert {"es/", "es/faq/", "es/guide/after-iop/"} <= set(spanish)
    assert "Seguro y costos" in spanish["es/insurance/"]["title"]
    insurance = " ".join(d["text"] for loc, d in spanish.items() if loc.startswith("es/insurance/"))
    assert "deducible" in insurance and "deductible" not in insurance


def test_every_spanish_page_has_crisis_help_in_spanish(site_dir: Path) -> None:
    for page in built_pages(site_dir / "es"):
        text = page.read_text(encoding="utf-8")
        bar = text.split('<aside class="crisis-bar"', 1)[1].split("</aside>", 1)[0]
        bar = bar.replace(' class="crisis-bar__link"', "")  # the links' class is for their size
        where = page.relative_to(site_dir)
        assert 'aria-label="Ayuda en una crisis"' in bar, where
        # Each link's whole words (phones show the first ones; the rest are still read out).
        links = {href: TAG.sub("", words) for href, words in LINK.findall(bar)}
        assert links == {
            "tel:988": "Llame al 988 y marque 2",
            "sms:988": "Envíe AYUDA al 988",
            "https://988lifeline.org/chat/": "Chat en español desde 988lifeline.org",
            "tel:911": "llame al 911",
        }, where
        assert "En peligro ahora: " in TAG.sub("", bar), where
        assert "marque 3" not in text and "press 3" not in text.lower(), where


def test_crisis_lines_on_spanish_pages_give_the_spanish_options(site_dir: Path) -> None:
    # The crisis page itself leads with its own big actions (tests/site/test_crisis_actions.py).
    crisis = html(site_dir, "/es/families/")
    [article] = ARTICLE.findall(crisis)
    assert 'Llame al <a href="tel:988">988</a> y marque 2</strong>' in article
    assert 'la palabra AYUDA al <a href="sms:988">988</a>' in article
    assert 'Chatee en español</strong> desde <a href="https://988lifeline.org/chat/">' in article
    assert 'Llame al <a href="tel:911">911</a></strong>' in article


def test_macros_and_facts_speak_the_pages_language(site_dir: Path) -> None:
    home = html(site_dir, "/es/")
    assert re.search(
        r'<a class="md-button md-button--primary" href="consultation/">Pida una consulta gratis</a>',
        home,
    )
    assert ">Llame al 314-388-2225</a>" in home
    assert "<li>Trastorno bipolar</li>" in home and "Bipolar disorder" not in home
    assert "de 4:30 p. m. a 7:30 p. m." in home
    consultation = html(site_dir, "/es/consultation/")
    assert "Le respondemos</strong> en un plazo de un día hábil, con una llamada" in consultation
    faq = html(site_dir, "/es/faq/")
    assert "planes complementarios de Medicare y Medicaid" in faq
    assert "Aetna y Beacon" in faq
    assert 'Revisado el <time datetime="2026-11-20">20 de noviembre de 2026</time>' in faq
    # and the English pages are as they were
    english = html(site_dir, "/")
    assert ">Request a free consultation</a>" in english and "<li>Bipolar disorder</li>" in english


def test_no_link_in_a_pages_text_leads_into_the_other_language(site_dir: Path) -> None:
    for src in english_sources():
        english, spanish = url_of(src), "/es" + url_of(src)
        assert not [u for u in article_links(site_dir, english) if u.startswith("/es/")], english
        assert all(u.startswith("/es/") for u in article_links(site_dir, spanish)), spanish


def test_structured_data_names_the_pages_language(site_dir: Path) -> None:
    for url, language in (("/faq/", "en"), ("/es/faq/", "es")):
        [webpage] = [
            o
            for o in jsonld_objects(parse(site_dir / url.strip("/") / "index.html"))
            if o["@type"] == "MedicalWebPage"
        ]
        assert webpage["inLanguage"] == language


def test_the_spanish_faqs_structured_answers_are_in_spanish(site_dir: Path) -> None:
    objects = jsonld_objects(parse(site_dir / "es" / "faq" / "index.html"))
    [faq] = [o for o in objects if o["@type"] == "FAQPage"]
    questions = [q["name"] for q in faq["mainEntity"]]
    assert questions[0] == "¿Qué es un programa intensivo ambulatorio (IOP)?"
    crisis = next(q for q in faq["mainEntity"] if q["name"] == "¿Y si estoy en crisis?")
    assert "marque 2" in crisis["acceptedAnswer"]["text"]


def test_the_theme_speaks_spanish_on_spanish_pages(site_dir: Path) -> None:
    spanish, english = html(site_dir, "/es/faq/"), html(site_dir, "/faq/")
    assert 'placeholder="Búsqueda"' in spanish and 'placeholder="Search"' in english
    assert 'aria-label="Seleccionar idioma"' in spanish
    assert '<meta property="og:locale" content="es_US">' in spanish


def test_the_spanish_form_shells_carry_the_intake_markers(site_dir: Path) -> None:
    for form in ("consultation", "assessment"):
        shell = load_shell(site_dir, f"/es/{form}/")
        assert '<html lang="es"' in shell.head
        assert "Llame al 988 y marque 2" in shell.head
        assert "<h1" in shell.intro
        page = shell.render("<form>form</form>", "Formulario")
        assert "<form>form</form>" in page and "Llámenos, por favor" not in page


def test_spanish_calls_to_action_lead_to_the_spanish_forms_on_the_service(
    project_copy: Path, tmp_path: Path
) -> None:
    facts = project_copy / "clinic.yml"
    facts.write_text(
        facts.read_text().replace('service_url: ""', 'service_url: "https://forms.example.org"')
    )
    out = tmp_path / "out"
    result = build_site(project_copy, out, env={"CLINIC_FACTS": str(facts)})
    assert result.returncode == 0, result.stderr
    spanish = html(out, "/es/get-started/")
    assert 'href="https://forms.example.org/es/consultation/">Pida una consulta gratis' in spanish
    assert 'class="clinic-bar__cta" href="https://forms.example.org/es/consultation/"' in spanish
    english = html(out, "/get-started/")
    assert 'class="clinic-bar__cta" href="https://forms.example.org/consultation/"' in english


def test_every_english_page_is_built_in_spanish_too(site_dir: Path) -> None:
    urls = {page_url(site_dir, p) for p in built_pages(site_dir)}
    assert {"/es" + url_of(src) for src in english_sources()} <= urls


def test_each_language_has_its_own_404_page(site_dir: Path) -> None:
    """The i18n plugin builds each language into one folder: the Spanish 404 goes to es/404.html
    and the English one at the root stays English (site_templates/hooks.py)."""
    english = (site_dir / "404.html").read_text(encoding="utf-8")
    spanish = (site_dir / "es" / "404.html").read_text(encoding="utf-8")
    assert LANG.search(english).group(1) == "en" and LANG.search(spanish).group(1) == "es"
    assert "We could not find that page" in english and "No encontramos" not in english
    assert "<title>Página no encontrada - " in spanish and "We could not" not in spanish
    [article] = ARTICLE.findall(spanish)
    assert "Llame al 988 y marque 2</a>" in article and "Envíe AYUDA al 988</a>" in article
    assert all(u.startswith("/es/") for u in HREF.findall(article) if u.startswith("/"))
    # the switcher of each leads to each language's home page
    for page in (english, spanish):
        assert {lang: href for href, lang in SWITCHER.findall(page)} == {"en": "/", "es": "/es/"}
