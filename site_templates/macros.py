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
import sys
from pathlib import Path
from typing import Any

import jinja2
import markdown
import yaml

from intake_server.clinic import load_facts, localized

STRINGS = Path(__file__).with_name("strings.yml")
DEFAULT_LANGUAGE = "en"
QUESTION = re.compile(r"^## +(.+?)\s*(\{[^}]*\})?\s*$", re.MULTILINE)
TAG = re.compile(r"<[^>]+>")
# clinic.yml's address fields and their schema.org names.
ADDRESS_KEYS = {
    "street": "streetAddress",
    "locality": "addressLocality",
    "region": "addressRegion",
    "postal_code": "postalCode",
    "country": "addressCountry",
}


@functools.cache
def site_strings() -> dict[str, dict[str, str]]:
    """strings.yml turned around: language -> name -> words."""
    table = yaml.safe_load(STRINGS.read_text(encoding="utf-8"))
    languages = {lang for entry in table.values() for lang in entry}
    return {
        lang: {name: entry.get(lang, "") for name, entry in table.items()} for lang in languages
    }


def page_language(env: Any) -> str:
    """The language the page is built in. Both engines' i18n plugins (mkdocs-static-i18n and
    zensical-i18n) build one language at a time and set the theme's language for it."""
    return env.conf["theme"]["language"]


def page_source(env: Any) -> str:
    """The page's default-language source file (`faq.md`, `guide/index.md`), from its URL.
    Both engines give a page's URL (`faq/`, `es/faq/` or, built per language, `faq/`); only
    MkDocs gives `page.file`, and zensical-i18n builds from copies with the suffix removed."""
    url = env.page.url.removeprefix(f"{page_language(env)}/").strip("/")
    docs = Path(env.conf["docs_dir"])
    candidates = (f"{url}.md", f"{url}/index.md") if url else ("index.md",)
    return next((name for name in candidates if (docs / name).is_file()), candidates[-1])


def language_file(env: Any, src: str) -> str:
    """The file that holds the default-language page `src` in the page's language, as built:
    `faq.es.md` beside `faq.md`, or `faq.md` itself in zensical-i18n's per-language copy."""
    translated = translated_source(src, page_language(env))
    return translated if (Path(env.conf["docs_dir"]) / translated).is_file() else src


def _page_link(env: Any, target: str) -> str:
    """A Markdown link target from the current page to another page's default-language file,
    which both i18n plugins resolve to the page in the current page's language."""
    here = posixpath.dirname(page_source(env))
    return posixpath.relpath(target, here or ".")


def _form_link(env: Any, facts: dict[str, Any], form: str) -> str:
    """The form in the page's language: Spanish pages lead to the Spanish form."""
    language = page_language(env)
    service = facts["intake"].get("service_url")
    if service:
        prefix = "" if language == DEFAULT_LANGUAGE else f"/{language}"
        return service.rstrip("/") + f"{prefix}/{form}/"
    return _page_link(env, f"{form}.md")


def translated_source(src_uri: str, language: str) -> str:
    """The file that holds `src_uri` (a default-language file) in `language`."""
    if language == DEFAULT_LANGUAGE:
        return src_uri
    return src_uri.removesuffix(".md") + f".{language}.md"


def nav_translations(conf: Any, language: str) -> dict[str, str]:
    """The navigation titles mkdocs.yml gives the i18n plugin for `language`. zensical-i18n has
    put them in the navigation already, so there each one also stands for itself."""
    plugin = conf["plugins"].get("i18n")
    if isinstance(plugin, dict):  # Zensical keeps plugins' settings as plain data
        languages = plugin["config"]["languages"]
        titles = next(
            (lang.get("nav_translations") for lang in languages if lang["locale"] == language), None
        )
        titles = titles or {}
        return {**titles, **{title: title for title in titles.values()}}
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
        if isinstance(item, dict) and "children" in item:  # Zensical's form of the navigation
            title, value = item["title"], item["children"] or item["url"]
        else:
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


class MacroOutputError(ValueError):
    """A {{ }} that would put something other than text on a page: `{{ phone_link }}` without
    its brackets shows `<function ...>`, `{{ clinic.insurance.in_network }}` shows ['Aetna', ...]."""


# What a {{ }} may put on a page: text and numbers. Anything else is a mistake an editor made.
SHOWABLE = (str, int, float)


def fix_for(value: Any) -> str:
    """What to write instead of a {{ }} that gives `value`."""
    if callable(value):
        name = getattr(value, "__name__", "the macro")
        return (
            f"{{{{ {name} }}}} shows the macro itself, not what it makes: write "
            f"{{{{ {name}() }}}} with the brackets"
        )
    if isinstance(value, (list, tuple, set)):
        return (
            f"this {{{{ }}}} gives a list ({value!r:.60}), not text: write "
            '{{ the_list | join(", ") }} in a sentence or {{ bullet_list(the_list) }} for a list'
        )
    if isinstance(value, dict):
        names = ", ".join(list(value)[:4])
        return (
            f"this {{{{ }}}} gives a group of facts, not one: add the name of the one to show "
            f"after a dot (it has {names} ...)"
        )
    return (
        f"this {{{{ }}}} gives {value!r}, not text: a yes/no or empty fact belongs in "
        "{% if ... %}, not on the page"
    )


def template_line() -> int:
    """The line of the {{ }} Jinja is filling in now, in the Markdown it was given."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != "<template>":
        frame = frame.f_back
    template = frame.f_globals.get("__jinja_template__") if frame else None
    return template.get_corresponding_lineno(frame.f_lineno) if template else 0


def shown_text(env: Any) -> Any:
    """Jinja's `finalize`: every {{ }} on a page passes through it. Text and numbers go on the
    page; anything else stops the build with the file, the line and what to write instead."""

    def finalize(value: Any) -> Any:
        if isinstance(value, SHOWABLE) and not isinstance(value, bool):
            return value
        if isinstance(value, jinja2.Undefined):
            return value  # a misspelt name: Jinja's own error names it when it is shown
        source = Path(env.page.file.abs_src_path)
        text = source.read_text(encoding="utf-8").replace("\r\n", "\n")
        # The page's Markdown is the file minus its front matter: count the lines above it.
        above = text[: max(len(text) - len(env.markdown), 0)].count("\n")
        where = f"{Path(env.conf['docs_dir']).name}/{env.page.file.src_path}"
        raise MacroOutputError(f"{where}:{template_line() + above}: {fix_for(value)}")

    return finalize


def written_date(when: dt.date | str, language: str) -> str:
    """A date written out in `language`. Takes it as YAML reads it (MkDocs) or as text (Zensical
    keeps front matter dates as text)."""
    if isinstance(when, str):
        when = dt.date.fromisoformat(when)
    words = site_strings()[language]
    month = words["months"][when.month - 1]
    return words["long_date"].format(day=when.day, month=month, year=when.year)


def facts_by_language() -> dict[str, dict[str, Any]]:
    """clinic.yml's facts as each language's pages read them (the `_es` forms in Spanish)."""
    facts = load_facts()
    return {lang: localized(facts, lang) for lang in site_strings()}


def default_facts() -> dict[str, Any]:
    """The facts as the default language reads them: what the theme's templates show."""
    return facts_by_language()[DEFAULT_LANGUAGE]


def clinic_jsonld() -> dict[str, Any]:
    """The clinic as schema.org data, built here because templates can only read data: the
    same templates render in Jinja2 (MkDocs) and in Zensical's engine, which runs no Python."""
    facts = load_facts()
    where = facts["address"]
    address = {"@type": "PostalAddress"}
    for key, name in ADDRESS_KEYS.items():
        if where.get(key):
            address[name] = where[key]
    return {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "@id": facts["site_url"] + "#clinic",
        "name": facts["name"],
        "url": facts["site_url"],
        "telephone": facts["phone_e164"],
        "address": address,
        "medicalSpecialty": "Psychiatric",
        "isAcceptingNewPatients": True,
        "availableService": {
            "@type": "MedicalTherapy",
            "name": "Intensive outpatient program (IOP) for mental health",
        },
    }


def define_env(env: Any) -> None:
    """MkDocs calls this once per language build; Zensical once per page, with the page set."""
    by_language = env.conf["extra"]["clinic_by_language"]
    all_facts = env.conf["extra"]["clinic"]  # read once, as the configuration loaded

    def words() -> dict[str, str]:
        """The site's own words in the current page's language."""
        return site_strings()[page_language(env)]

    def facts() -> dict[str, Any]:
        return by_language[page_language(env)]

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
        language = page_language(env)
        if title and language != DEFAULT_LANGUAGE:
            title = nav_translations(env.conf, language).get(title)
        src = language_file(env, src)
        return title or page_front_matter(env.conf["docs_dir"], src).get("title", src)

    @env.macro
    def next_page_link(lead: str | None = None) -> str:
        """A link to whatever page follows this one in the navigation, so reordering the
        navigation is all it takes to reorder the guide."""
        pages = nav_pages(env.conf["nav"])
        here = [src for _, src, _ in pages].index(page_source(env))
        if here + 1 >= len(pages):
            return ""
        title, src, _ = pages[here + 1]
        return f"{lead or words()['next_page']}: [{title_of(title, src)}]({_page_link(env, src)})"

    @env.macro
    def section_contents() -> str:
        """A numbered list of this page's navigation section, each with its description."""
        pages = nav_pages(env.conf["nav"])
        here = page_source(env)
        section = next(sec for _, src, sec in pages if src == here)
        lines = []
        for n, (title, src, _) in enumerate((p for p in pages if p[2] == section), 1):
            about = page_front_matter(env.conf["docs_dir"], language_file(env, src))
            about = about.get("description", "")
            if src == here:
                lines.append(f"{n}. **{words()['this_page']}:** {about}")
            else:
                lines.append(f"{n}. [{title_of(title, src)}]({_page_link(env, src)}): {about}")
        return "\n".join(lines)

    @env.macro
    def long_date(when: dt.date | str) -> str:
        """A date written out in the page's language: November 20, 2026 or 20 de noviembre de 2026."""
        return written_date(when, page_language(env))

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
        # clinic.yml's own value: a Spanish page's time_of_day is already a Spanish word.
        evening = all_facts["program"]["time_of_day"] == "evening"
        sentence = words()["keep_working_evening" if evening else "keep_working_daytime"]
        return sentence.format(when=facts()["program"]["time_words"]["when"])

    @env.macro
    def crisis_lines() -> str:
        return words()["crisis_lines"].format(**facts()["crisis"])

    if getattr(env, "page", None) is not None:  # Zensical: no page hooks, a page per call
        on_pre_page_macros(env)


def on_pre_page_macros(env: Any) -> None:
    """Before a page's macros render: a Spanish page reads `clinic` in Spanish (the `_es` forms
    of worded facts, clinic.yml), and the theme gets what it shows from the page's front matter
    ready to print, since its templates call no Python."""
    language = page_language(env)
    env.variables["clinic"] = env.conf["extra"]["clinic_by_language"][language]
    # Every {{ }} must give text (shown_text); MkDocs' macros build Jinja after define_env.
    jinja = getattr(env, "env", None)
    if jinja is not None and jinja.finalize is None:
        jinja.finalize = shown_text(env)
    meta = env.page.meta
    if meta.get("reviewed"):
        meta["reviewed_text"] = written_date(meta["reviewed"], language)
    if meta.get("faq"):
        try:
            source = rendered_source(env)
        except Exception:
            # A mistake in the page (a misspelt name, a macro that fails): the engine renders
            # the page next, meets the same mistake and reports it with the page and the line.
            return
        meta["faq_entries"] = [
            {
                "@type": "Question",
                "name": entry["question"],
                "acceptedAnswer": {"@type": "Answer", "text": entry["answer"]},
            }
            for entry in faq_entries(source)
        ]


def rendered_source(env: Any) -> str:
    """The page's Markdown with its macros filled in. Zensical renders the Markdown after the last
    hook it offers (define_env), so the page is rendered here the same way, with its macros."""
    path = Path(env.conf["docs_dir"]) / language_file(env, page_source(env))
    text = path.read_text(encoding="utf-8")
    body = text.split("---", 2)[2] if text.startswith("---") else text
    jinja = jinja2.Environment(undefined=jinja2.StrictUndefined)  # noqa: S701 (Markdown, not HTML)
    jinja.filters.update(env.filters)
    return jinja.from_string(body).render({**env.variables, **env.macros, "page": env.page})
