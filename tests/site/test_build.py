"""The built site: strict links, the facts from clinic.yml, metadata, and nothing from other hosts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from testkit.site import build_site
from tests.helpers.environment import ROOT
from tests.helpers.site import built_pages, jsonld_objects, page_url, parse

NAV_PAGES = [
    "index.html",
    "get-started/index.html",
    "guide/index.html",
    "guide/challenges/index.html",
    "guide/levels-of-care/index.html",
    "guide/is-iop-right/index.html",
    "guide/what-to-expect/index.html",
    "guide/after-iop/index.html",
    "faq/index.html",
    "insurance/index.html",
    "families/index.html",
    "crisis/index.html",
    "privacy/index.html",
    "accessibility/index.html",
    "language-help/index.html",
]


def test_every_required_page_is_built(site_dir: Path) -> None:
    for name in [*NAV_PAGES, "consultation/index.html", "assessment/index.html", "404.html"]:
        assert (site_dir / name).is_file(), name


def test_a_broken_link_fails_the_build(project_copy: Path, tmp_path: Path) -> None:
    page = project_copy / "content" / "faq.md"
    page.write_text(page.read_text() + "\n\nSee [this page](no-such-page.md).\n")
    result = build_site(project_copy, tmp_path / "out")
    assert result.returncode != 0
    assert "no-such-page.md" in result.stderr


def test_a_broken_anchor_fails_the_build(project_copy: Path, tmp_path: Path) -> None:
    page = project_copy / "content" / "faq.md"
    page.write_text(page.read_text() + "\n\nSee [insurance](insurance.md#no-such-heading).\n")
    result = build_site(project_copy, tmp_path / "out")
    assert result.returncode != 0
    assert "no-such-heading" in result.stderr


def test_changing_the_phone_in_clinic_facts_changes_every_page(
    project_copy: Path, tmp_path: Path
) -> None:
    facts_file = project_copy / "clinic.yml"
    facts = yaml.safe_load(facts_file.read_text())
    old = facts["phone"]
    facts_file.write_text(
        facts_file.read_text().replace(f'phone: "{old}"', 'phone: "(636) 555-0199"')
    )
    out = tmp_path / "out"
    result = build_site(project_copy, out, env={"CLINIC_FACTS": str(facts_file)})
    assert result.returncode == 0, result.stderr
    old_digits = re.sub(r"\D", "", old)
    for page in built_pages(out):
        html = page.read_text()
        assert "(636) 555-0199" in html, f"new number missing on {page}"
        assert "tel:+16365550199" in html, f"new call link missing on {page}"
        assert old not in html, f"old number still on {page}"
        assert f"+1{old_digits}" not in html, f"old call link still on {page}"


def test_every_page_has_crisis_bar_metadata_and_structured_data(site_dir: Path) -> None:
    facts = yaml.safe_load((ROOT / "clinic.yml").read_text())
    for page in built_pages(site_dir):
        html = page.read_text()
        parsed = parse(page)
        where = page_url(site_dir, page)
        assert 'class="crisis-bar"' in html, where
        assert 'href="tel:988"' in html and 'href="sms:988"' in html and 'href="tel:911"' in html, (
            where
        )
        assert f'href="tel:+1{re.sub(r"[^0-9]", "", facts["phone"])}"' in html, where
        if where.endswith(("/consultation/", "/assessment/")):
            # The form pages (and so the confirmations the service builds from them) carry no
            # button to ask for a consultation again.
            assert "clinic-bar__cta" not in html, where
        else:
            assert 'class="clinic-bar__cta"' in html, where
        assert len(parsed.meta.get("description", "")) >= 40, where
        assert parsed.meta.get("og:title") and parsed.meta.get("og:description"), where
        if page.name != "404.html":
            assert parsed.canonical and parsed.canonical.startswith("https://"), where
            assert parsed.meta.get("og:url") == parsed.canonical, where
        objects = jsonld_objects(parsed)  # every block must parse
        clinics = [o for o in objects if o.get("@type") == "MedicalClinic"]
        assert len(clinics) == 1, where
        assert clinics[0]["telephone"] == "+1" + re.sub(r"\D", "", facts["phone"])
        assert clinics[0]["name"] == facts["name"]


def test_nav_pages_show_when_and_by_whom_they_were_reviewed(site_dir: Path) -> None:
    for name in NAV_PAGES:
        html = (site_dir / name).read_text()
        match = re.search(
            r'Reviewed on <time datetime="(\d{4}-\d{2}-\d{2})">[^<]+</time>\s*by ([^<.]+)\.', html
        )
        assert match, name
        webpage = [
            o for o in jsonld_objects(parse(site_dir / name)) if o["@type"] == "MedicalWebPage"
        ]
        assert webpage[0]["lastReviewed"] == match[1]


def test_faq_jsonld_has_one_entry_per_question_heading(site_dir: Path) -> None:
    markdown = (ROOT / "content" / "faq.md").read_text()
    questions = re.findall(r"^## +(.+?)\s*$", markdown, flags=re.MULTILINE)
    assert len(questions) >= 15
    faq = [o for o in jsonld_objects(parse(site_dir / "faq/index.html")) if o["@type"] == "FAQPage"]
    assert len(faq) == 1
    entries = faq[0]["mainEntity"]
    assert len(entries) == len(questions)
    html = (site_dir / "faq/index.html").read_text()
    for entry in entries:
        assert entry["@type"] == "Question" and entry["acceptedAnswer"]["text"].strip()
        assert "{{" not in entry["acceptedAnswer"]["text"], "macros must be rendered first"
        assert f">{entry['name']}" in html  # each question is a linkable heading on the page
    assert [e["name"] for e in entries] == questions


def test_faq_questions_are_linkable_headings(site_dir: Path) -> None:
    html = (site_dir / "faq/index.html").read_text()
    headings = re.findall(r'<h2 id="([^"]+)">', html)
    assert len(headings) >= 15


def test_no_page_loads_anything_from_another_host(site_dir: Path) -> None:
    for page in built_pages(site_dir):
        for url in parse(page).resources:
            assert not re.match(r"^(https?:)?//", url), f"{page_url(site_dir, page)} loads {url}"
    for asset in site_dir.rglob("*"):
        if asset.suffix in (".css", ".html"):
            text = asset.read_text(encoding="utf-8")
            assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, asset
            assert not re.search(r"""(url\(\s*['"]?|@import\s+['"]?)(https?:)?//""", text), asset


def test_theme_never_has_a_reason_to_fetch_from_other_hosts(site_dir: Path) -> None:
    """The theme's bundle can fetch mermaid and a polyfill from unpkg and repository facts from
    GitHub, but only when a page has a mermaid diagram or the site sets repo_url: it has neither."""
    config = (ROOT / "mkdocs.yml").read_text()
    assert "repo_url" not in config and "mermaid" not in config
    for page in built_pages(site_dir):
        assert 'class="mermaid"' not in page.read_text(), page
    for script in site_dir.rglob("*.js"):
        text = script.read_text(encoding="utf-8", errors="replace")
        for host in ("google-analytics", "googletagmanager", "fonts.googleapis", "cdn.jsdelivr"):
            assert host not in text, f"{script} mentions {host}"


def test_content_shares_no_ten_word_run_with_the_seeds() -> None:
    tool = ROOT.parent / "shared" / "tools" / "seed_overlap.py"
    assert tool.exists(), "the seed overlap tool from ../shared is needed"
    result = subprocess.run([sys.executable, str(tool), str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("0 shared run(s) of 10+ words")


def test_no_press_3_option_for_the_988_line(site_dir: Path) -> None:
    for page in built_pages(site_dir):
        text = page.read_text().lower()
        assert "press 3" not in text and "press 3" not in text.replace("&nbsp;", " "), page
