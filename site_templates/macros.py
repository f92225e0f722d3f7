"""Macros for the site's Markdown: the clinic's facts as variables, and the few snippets pages share.

Pages write ``{{ clinic.phone }}`` or ``{{ phone_link() }}`` instead of typing a fact, so an editor
changes clinic.yml once and every page follows.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import posixpath
import re
from pathlib import Path
from typing import Any

import markdown
import yaml

from intake_server.clinic import load_facts, localized

STRINGS = Path(__file__).with_name("strings.yml")
DEFAULT_LANGUAGE = "en"
QUESTION = re.compile(r"^## +(.+?)\s*(\{[^}]*\})?\s*$", re.MULTILINE)
TAG = re.compile(r"<[^>]+>")


@functools.cache
def site_strings() -> dict[str, dict[str, str]]:
    """strings.yml turned around: language -> name -> words."""
    table = yaml.safe_load(STRINGS.read_text(encoding="utf-8"))
    languages = {lang for entry in table.values() for lang in entry}
    return {
        lang: {name: entry.get(lang, "") for name, entry in table.items()} for lang in languages
    }


def page_language(src_uri: str) -> str:
    """A page's language from its file name: `faq.es.md` is Spanish, `faq.md` the default."""
    stem = posixpath.basename(src_uri).removesuffix(".md")
    suffix = posixpath.splitext(stem)[1].lstrip(".")
    return suffix if suffix in site_strings() else DEFAULT_LANGUAGE


def _page_link(env: Any, target: str) -> str:
    """A Markdown link target from the current page to another page's source file."""
    here = posixpath.dirname(env.page.file.src_uri)
    return posixpath.relpath(target, here or ".")


def _form_link(env: Any, facts: dict[str, Any], form: str) -> str:
    """The form in the page's language: Spanish pages lead to the Spanish form."""
    language = page_language(env.page.file.src_uri)
    service = facts["intake"].get("service_url")
    if service:
        prefix = "" if language == DEFAULT_LANGUAGE else f"/{language}"
        return service.rstrip("/") + f"{prefix}/{form}/"
    return _page_link(env, f"{form}.md")


def default_source(src_uri: str) -> str:
    """The default-language file a page translates: `guide/index.es.md` -> `guide/index.md`."""
    language = page_language(src_uri)
    if language == DEFAULT_LANGUAGE:
        return src_uri
    return src_uri.removesuffix(f".{language}.md") + ".md"


def translated_source(src_uri: str, language: str) -> str:
    """The file that holds `src_uri` (a default-language file) in `language`."""
    if language == DEFAULT_LANGUAGE:
        return src_uri
    return src_uri.removesuffix(".md") + f".{language}.md"


def nav_translations(conf: Any, language: str) -> dict[str, str]:
    """The navigation titles mkdocs.yml gives the i18n plugin for `language`."""
    plugin = conf["plugins"].get("i18n")
    for lang in plugin.config.languages if plugin else []:
        if lang.locale == language:
            return dict(lang.nav_translations or {})
    return {}


def nav_pages(
    nav: list[Any], section: str | None = None
) -> list[tuple[str | None, str, str | None]]:
    """The navigation flattened in reading order, as (title, source file, section title)."""
    pages = []
    for item in nav:
        title, value = next(iter(item.items())) if isinstance(item, dict) else (None, item)
        if isinstance(value, list):
            pages += nav_pages(value, title)
        else:
            pages.append((title, value, section))
    return pages


def page_front_matter(docs_dir: str, src: str) -> dict[str, Any]:
    text = (Path(docs_dir) / src).read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    return yaml.safe_load(text.split("---", 2)[1]) or {}


@functools.cache
def _answer_markdown() -> markdown.Markdown:
    """One converter for every answer: building one loads its extensions each time."""
    return markdown.Markdown(extensions=["attr_list", "md_in_html"])


def faq_entries(markdown_text: str) -> list[dict[str, str]]:
    """Question and answer pairs from a page whose second-level headings are its questions."""
    parts = QUESTION.split(markdown_text)
    entries = []
    # split() gives [before, q1, attrs1, answer1, q2, attrs2, answer2, ...]
    for i in range(1, len(parts) - 2, 3):
        question, answer_md = parts[i], parts[i + 2]
        answer_md = answer_md.split("\n#", 1)[0]
        answer_html = _answer_markdown().reset().convert(answer_md)
        answer = " ".join(html.unescape(TAG.sub(" ", answer_html)).split())
        entries.append({"question": question.strip(), "answer": answer})
    return entries


def define_env(env: Any) -> None:
    all_facts = load_facts()
    facts_by_language = {lang: localized(all_facts, lang) for lang in site_strings()}
    env.variables["clinic"] = facts_by_language[DEFAULT_LANGUAGE]
    # The theme's templates (crisis bar, header, footer, JSON-LD) read the same facts, and the
    # site's own words in the language the theme is built in (config.theme.language).
    env.conf["extra"]["clinic"] = facts_by_language[DEFAULT_LANGUAGE]
    env.conf["extra"]["clinic_by_language"] = facts_by_language
    env.conf["extra"]["strings"] = site_strings()

    def words() -> dict[str, str]:
        """The site's own words in the current page's language."""
        return site_strings()[page_language(env.page.file.src_uri)]

    def facts() -> dict[str, Any]:
        return facts_by_language[page_language(env.page.file.src_uri)]

    @env.macro
    def phone_link(label: str | None = None) -> str:
        """The clinic's number as a click-to-call link."""
        text = html.escape(label or all_facts["phone"])
        return f'<a class="clinic-phone" href="{all_facts["phone_tel"]}">{text}</a>'

    @env.macro
    def call_button(label: str | None = None) -> str:
        text = html.escape(label or words()["call_label"].format(phone=all_facts["phone"]))
        return f'<a class="md-button" href="{all_facts["phone_tel"]}">{text}</a>'

    @env.macro
    def consult_link(label: str | None = None) -> str:
        label = label or words()["consult_link"]
        return f"[{label}]({_form_link(env, all_facts, 'consultation')})"

    @env.macro
    def consult_button(label: str | None = None) -> str:
        label = label or words()["consult_button"]
        link = _form_link(env, all_facts, "consultation")
        return f"[{label}]({link}){{ .md-button .md-button--primary }}"

    @env.macro
    def assessment_link(label: str | None = None) -> str:
        label = label or words()["assessment_link"]
        return f"[{label}]({_form_link(env, all_facts, 'assessment')})"

    @env.macro
    def bullet_list(items: list[str]) -> str:
        return "\n".join(f"- {item}" for item in items)

    @env.macro
    def problem_list() -> str:
        return bullet_list([p["label"] for p in facts()["problems"]])

    def title_of(title: str | None, src: str) -> str:
        """A page's navigation title in the current page's language (mkdocs.yml's
        nav_translations), or else the title in the page's own front matter."""
        language = page_language(env.page.file.src_uri)
        if title and language != DEFAULT_LANGUAGE:
            title = nav_translations(env.conf, language).get(title)
        return title or page_front_matter(env.conf["docs_dir"], src).get("title", src)

    @env.macro
    def next_page_link(lead: str | None = None) -> str:
        """A link to whatever page follows this one in the navigation, so reordering the
        navigation is all it takes to reorder the guide."""
        pages = nav_pages(env.conf["nav"])
        here = [src for _, src, _ in pages].index(default_source(env.page.file.src_uri))
        if here + 1 >= len(pages):
            return ""
        title, src, _ = pages[here + 1]
        src = translated_source(src, page_language(env.page.file.src_uri))
        return f"{lead or words()['next_page']}: [{title_of(title, src)}]({_page_link(env, src)})"

    @env.macro
    def section_contents() -> str:
        """A numbered list of this page's navigation section, each with its description."""
        pages = nav_pages(env.conf["nav"])
        here = default_source(env.page.file.src_uri)
        language = page_language(env.page.file.src_uri)
        section = next(sec for _, src, sec in pages if src == here)
        lines = []
        for n, (title, src, _) in enumerate((p for p in pages if p[2] == section), 1):
            is_here = src == here
            src = translated_source(src, language)
            about = page_front_matter(env.conf["docs_dir"], src).get("description", "")
            if is_here:
                lines.append(f"{n}. **{words()['this_page']}:** {about}")
            else:
                lines.append(f"{n}. [{title_of(title, src)}]({_page_link(env, src)}): {about}")
        return "\n".join(lines)

    @env.macro
    def long_date(when: dt.date | str) -> str:
        """A date written out in the page's language: November 20, 2026 or 20 de noviembre de 2026.
        Takes the date as YAML reads it, or as text (engines that keep front matter as text)."""
        if isinstance(when, str):
            when = dt.date.fromisoformat(when)
        month = words()["months"][when.month - 1]
        return words()["long_date"].format(day=when.day, month=month, year=when.year)

    @env.macro
    def phone_hours_text() -> str:
        """When someone answers the phone, such as "Monday to Friday, 8:30 am to 5:00 pm"."""
        return facts()["phone_hours_text"]

    @env.macro
    def meeting_days_text() -> str:
        """The weekdays groups meet, such as "Monday, Tuesday and Thursday"."""
        return facts()["program"]["days_text"]

    @env.macro
    def ages_text() -> str:
        """Who the program is for, such as "adults aged 18 and over"."""
        return facts()["program"]["ages_text"]

    @env.macro
    def map_link(label: str | None = None) -> str:
        """The clinic's address as a link that opens a map app (a link only, nothing embedded)."""
        text = html.escape(label or facts()["address_line"])
        return f'<a class="clinic-map" href="{html.escape(facts()["map_url"])}">{text}</a>'

    @env.macro
    def younger_people_text() -> str:
        """The kind line for parents of someone younger than the program takes; empty when the
        program takes people of every age (min_age 0)."""
        program = facts()["program"]
        if not program["min_age"]:
            return ""
        return words()["younger_people"].format(min_age=program["min_age"])

    @env.macro
    def online_program_text() -> str:
        """Whether the clinic runs groups by video (clinic.yml `program.online`), said one way."""
        return words()["online_yes" if facts()["program"].get("online") else "online_no"]

    @env.macro
    def keep_working_text() -> str:
        """Working or studying during IOP: one answer for the FAQ and the guide alike."""
        return words()["keep_working"].format(time_of_day=facts()["program"]["time_of_day"])

    @env.macro
    def crisis_lines() -> str:
        return words()["crisis_lines"].format(**facts()["crisis"])


def on_pre_page_macros(env: Any) -> None:
    """A Spanish page reads `clinic` in Spanish: the `_es` forms of worded facts (clinic.yml)."""
    language = page_language(env.page.file.src_uri)
    env.variables["clinic"] = env.conf["extra"]["clinic_by_language"][language]


def on_post_page_macros(env: Any) -> None:
    """FAQ pages carry FAQPage JSON-LD built from their own headings, never a hand-kept copy."""
    if env.page.meta.get("faq"):
        env.page.meta["faq_entries"] = faq_entries(env.markdown)
