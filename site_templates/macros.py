"""Macros for the site's Markdown: the clinic's facts as variables, and the few snippets pages share.

Pages write ``{{ clinic.phone }}`` or ``{{ phone_link() }}`` instead of typing a fact, so an editor
changes clinic.yml once and every page follows.
"""

from __future__ import annotations

import functools
import html
import posixpath
import re
from pathlib import Path
from typing import Any

import markdown
import yaml

from intake_server.clinic import load_facts

QUESTION = re.compile(r"^## +(.+?)\s*(\{[^}]*\})?\s*$", re.MULTILINE)
TAG = re.compile(r"<[^>]+>")


def _page_link(env: Any, target: str) -> str:
    """A Markdown link target from the current page to another page's source file."""
    here = posixpath.dirname(env.page.file.src_uri)
    return posixpath.relpath(target, here or ".")


def _form_link(env: Any, facts: dict[str, Any], form: str) -> str:
    service = facts["intake"].get("service_url")
    if service:
        return service.rstrip("/") + f"/{form}/"
    return _page_link(env, f"{form}.md")


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
    facts = load_facts()
    env.variables["clinic"] = facts
    # The theme's templates (crisis bar, header, footer, JSON-LD) read the same facts.
    env.conf["extra"]["clinic"] = facts

    @env.macro
    def phone_link(label: str | None = None) -> str:
        """The clinic's number as a click-to-call link."""
        text = html.escape(label or facts["phone"])
        return f'<a class="clinic-phone" href="{facts["phone_tel"]}">{text}</a>'

    @env.macro
    def call_button(label: str | None = None) -> str:
        text = html.escape(label or f"Call {facts['phone']}")
        return f'<a class="md-button" href="{facts["phone_tel"]}">{text}</a>'

    @env.macro
    def consult_link(label: str = "request a free consultation") -> str:
        return f"[{label}]({_form_link(env, facts, 'consultation')})"

    @env.macro
    def consult_button(label: str = "Request a free consultation") -> str:
        return f"[{label}]({_form_link(env, facts, 'consultation')}){{ .md-button .md-button--primary }}"

    @env.macro
    def assessment_link(label: str = "personal assessment form") -> str:
        return f"[{label}]({_form_link(env, facts, 'assessment')})"

    @env.macro
    def bullet_list(items: list[str]) -> str:
        return "\n".join(f"- {item}" for item in items)

    @env.macro
    def problem_list() -> str:
        return bullet_list([p["label"] for p in facts["problems"]])

    def title_of(title: str | None, src: str) -> str:
        return title or page_front_matter(env.conf["docs_dir"], src).get("title", src)

    @env.macro
    def next_page_link(lead: str = "Next") -> str:
        """A link to whatever page follows this one in the navigation, so reordering the
        navigation is all it takes to reorder the guide."""
        pages = nav_pages(env.conf["nav"])
        here = [src for _, src, _ in pages].index(env.page.file.src_uri)
        if here + 1 >= len(pages):
            return ""
        title, src, _ = pages[here + 1]
        return f"{lead}: [{title_of(title, src)}]({_page_link(env, src)})"

    @env.macro
    def section_contents() -> str:
        """A numbered list of this page's navigation section, each with its description."""
        pages = nav_pages(env.conf["nav"])
        section = next(sec for _, src, sec in pages if src == env.page.file.src_uri)
        lines = []
        for n, (title, src, _) in enumerate((p for p in pages if p[2] == section), 1):
            about = page_front_matter(env.conf["docs_dir"], src).get("description", "")
            if src == env.page.file.src_uri:
                lines.append(f"{n}. **This page:** {about}")
            else:
                lines.append(f"{n}. [{title_of(title, src)}]({_page_link(env, src)}): {about}")
        return "\n".join(lines)

    @env.macro
    def phone_hours_text() -> str:
        """When someone answers the phone, such as "Monday to Friday, 8:30 am to 5:00 pm"."""
        return facts["phone_hours_text"]

    @env.macro
    def meeting_days_text() -> str:
        """The weekdays groups meet, such as "Monday, Tuesday and Thursday"."""
        return facts["program"]["days_text"]

    @env.macro
    def ages_text() -> str:
        """Who the program is for, such as "adults aged 18 and over"."""
        return facts["program"]["ages_text"]

    @env.macro
    def map_link(label: str | None = None) -> str:
        """The clinic's address as a link that opens a map app (a link only, nothing embedded)."""
        text = html.escape(label or facts["address_line"])
        return f'<a class="clinic-map" href="{html.escape(facts["map_url"])}">{text}</a>'

    @env.macro
    def younger_people_text() -> str:
        """The kind line for parents of someone younger than the program takes; empty when the
        program takes people of every age (min_age 0)."""
        program = facts["program"]
        if not program["min_age"]:
            return ""
        return (
            f"If you are worried about a child or teen younger than {program['min_age']}, you "
            "are right to look for help. A program made for young people will suit them better "
            "than ours. Their doctor or school counselor can point you to one nearby. You can "
            "also call us, and we will gladly help you find one."
        )

    @env.macro
    def online_program_text() -> str:
        """Whether the clinic runs groups by video (clinic.yml `program.online`), said one way."""
        if facts["program"].get("online"):
            return "We also run groups by video. Ask about this on the free call."
        return (
            "Our groups meet in person only. We do not run groups by video. If getting to us is "
            "hard, tell us on the free call, and we will help you look at other options."
        )

    @env.macro
    def keep_working_text() -> str:
        """Working or studying during IOP: one answer for the FAQ and the guide alike."""
        return (
            f"Groups meet in the {facts['program']['time_of_day']}, so many people keep "
            "working or going to school during IOP. Others take time off to focus on getting "
            "well. Either choice is fine, and we can talk it through with you."
        )

    @env.macro
    def crisis_lines() -> str:
        c = facts["crisis"]
        return "\n".join(
            [
                f'- **Call or text <a href="{c["lifeline_tel"]}">{c["lifeline_number"]}</a>** '
                f"(the {c['lifeline_name']}), any time, day or night. "
                f'You can also <a href="{c["lifeline_sms"]}">send a text</a> or '
                f"[chat online at {c['lifeline_chat_label']}]({c['lifeline_chat']}).",
                f'- **Call <a href="{c["emergency_tel"]}">{c["emergency_number"]}</a>** '
                "if you or someone else is in danger right now.",
            ]
        )


def on_post_page_macros(env: Any) -> None:
    """FAQ pages carry FAQPage JSON-LD built from their own headings, never a hand-kept copy."""
    if env.page.meta.get("faq"):
        env.page.meta["faq_entries"] = faq_entries(env.markdown)
