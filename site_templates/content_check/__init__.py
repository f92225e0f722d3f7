"""The content check: one readable report on the site's Markdown, for the people who edit it.

Run it as ``make check-content`` (``make test`` runs it too). Each finding names the file and line
and says what to do. Errors (exit status 1) stop the site from going out; warnings do not.

    python -m site_templates.content_check [--root PATH] [--today YYYY-MM-DD] [--no-cache]
    python -m site_templates.content_check --stamp content/faq.es.md   # Spanish now matches

What it checks, and why, is explained for editors in docs/editing.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from intake_server.clinic import FactsError, yaml_error_line, yaml_hint
from intake_server.clinic import load_facts as read_facts

from . import readability, translations

DEFAULT_ROOT = Path(__file__).resolve().parents[2]
MAX_GRADE = 8.0
REVIEW_MONTHS = 12
DESCRIPTION_CHARS = (50, 160)
REQUIRED_KEYS = ("title", "description", "reviewed", "reviewer")
DEFAULT_PROMISE_WORDS = ["cure", "cured", "guarantee", "guaranteed", "100%", "miracle"]
GUIDE = "docs/editing.md"
BUILD_FAILED = "the site could not be built: "

# Rule names, shown in brackets after each finding and explained in docs/editing.md's table.
RULES = {
    "broken-link": "a link or anchor that goes nowhere",
    "front-matter": "the block between the --- lines at the top of a page",
    "faq-heading": "a heading on the FAQ page that is not a question",
    "review-date": "a page not reviewed for more than 12 months",
    "alt-text": "an image without a description",
    "typed-fact": "a phone number, insurer or crisis line typed instead of taken from clinic.yml",
    "reading-grade": "a page harder to read than grade 8",
    "translation-missing": "an English page without its Spanish page, or the other way round",
    "translation-review": "a Spanish page no fluent clinician has read yet",
    "translation-stale": "a Spanish page whose English page changed after it was written",
    "cross-language-link": "a link that leads into the other language by mistake",
    "promise": "a word that promises a cure or a result",
    "facts-file": "a mistake in clinic.yml, mkdocs.yml or content_rules.yml",
    "build": "the site could not be built",
}


# --- Findings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One problem, where it is, and what to do about it."""

    path: str  # relative to the project, with forward slashes: content/faq.md
    line: int
    level: str  # "error" fails the check; "warning" does not
    rule: str
    message: str
    details: tuple[str, ...] = ()

    def render(self) -> str:
        head = f"{self.path}:{self.line}: {self.level}: {self.message} [{self.rule}]"
        return "\n".join([head, *(f"    {d}" for d in self.details)])


def error(path: str, line: int, rule: str, message: str, *details: str) -> Finding:
    return Finding(path, line, "error", rule, message, tuple(details))


def warning(path: str, line: int, rule: str, message: str, *details: str) -> Finding:
    return Finding(path, line, "warning", rule, message, tuple(details))


# --- Reading pages -------------------------------------------------------------------------

# The same pattern MkDocs uses, so a page is read here exactly as the build reads it.
FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[ \t]*$", re.DOTALL | re.MULTILINE)


@dataclass
class Page:
    """A Markdown file with its front matter split off, keeping line numbers."""

    rel: str
    text: str
    meta: dict[str, Any] | None = None
    fm_end: int = 0  # line of the closing --- (0 when there is no front matter)
    key_lines: dict[str, int] = field(default_factory=dict)

    @property
    def body_line(self) -> int:
        """The first line after the front matter."""
        return self.fm_end + 1


def first_text_line(page: Page) -> int:
    """The first line with words on it after the front matter (usually the page's title)."""
    lines = page.text.split("\n")
    for number in range(page.fm_end + 1, len(lines) + 1):
        if lines[number - 1].strip():
            return number
    return page.body_line


def body_offset(page: Page) -> int:
    """Where the text after the front matter starts, as a character offset."""
    return sum(len(line) + 1 for line in page.text.split("\n")[: page.fm_end])


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def blank_out(text: str, pattern: re.Pattern[str]) -> str:
    """Replace matches with spaces but keep newlines, so offsets and line numbers still hold."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def reader_text(text: str) -> str:
    """The page as typed words, without {{ }} macros or <!-- notes --> that readers never see."""
    return blank_out(blank_out(text, JINJA), HTML_COMMENT)


def content_pages(root: Path) -> list[Path]:
    return sorted((root / "content").rglob("*.md"))


# --- Front matter --------------------------------------------------------------------------


def yaml_problem(
    rel: str,
    exc: yaml.YAMLError,
    lines: tuple[int, int],
    what: str,
    source: str,
    rule: str = "front-matter",
) -> Finding:
    """A YAML mistake as a file, a line and a plain fix, never a traceback."""
    first_line, last_line = lines
    if isinstance(exc, yaml.MarkedYAMLError):
        line = yaml_error_line(exc, first_line, last_line, source)
        return error(rel, line, rule, f"{what} is not valid: {yaml_hint(exc.problem or '')}")
    return error(rel, first_line, rule, f"{what} is not valid: {exc}")


def duplicate_keys(node: yaml.Node, first_line: int) -> dict[str, int]:
    """Names written twice at the top level; YAML silently keeps only the last one."""
    seen: set[str] = set()
    twice: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if key.value in seen:
                twice[key.value] = first_line + key.start_mark.line
            seen.add(key.value)
    return twice


def read_page(root: Path, path: Path) -> tuple[Page, list[Finding]]:
    """Split a page into front matter and body and report a missing or malformed front matter."""
    rel = path.relative_to(root).as_posix()
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    page = Page(rel, text)
    match = FRONT_MATTER.match(text)
    if not match:
        hint = (
            "the front matter has no closing --- line; add one after the last line of it"
            if text.startswith("---")
            else "the page has no front matter; start it with the block shown in docs/editing.md "
            "(title, description, reviewed, reviewer between two --- lines)"
        )
        return page, [error(rel, 1, "front-matter", hint)]
    page.fm_end = line_of(text, match.end() - 1)
    source = match.group(1)
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        return page, [yaml_problem(rel, exc, (2, page.fm_end - 1), "the front matter", source)]
    if not isinstance(data, dict):
        return page, [
            error(rel, 2, "front-matter", "the front matter must be lines of `name: value`")
        ]
    page.meta = data
    if isinstance(node, yaml.MappingNode):
        page.key_lines = {k.value: 2 + k.start_mark.line for k, _ in node.value}
    findings = [
        error(rel, line, "front-matter", f"`{key}:` is written twice; keep one of them")
        for key, line in duplicate_keys(node, 2).items()
    ]
    return page, findings


def check_required(page: Page) -> Iterator[Finding]:
    meta = page.meta or {}
    for key in REQUIRED_KEYS:
        if meta.get(key) in (None, ""):
            example = {
                "title": "title: Parking and getting here",
                "description": "description: A sentence of 50 to 160 characters about the page.",
                "reviewed": "reviewed: 2026-11-20",
                "reviewer": "reviewer: Clinical director (licensed professional counselor)",
            }[key]
            line = page.key_lines.get(key, page.fm_end)
            yield error(
                page.rel, line, "front-matter", f"the front matter needs `{key}:`, like `{example}`"
            )


def check_text_fields(page: Page) -> Iterator[Finding]:
    meta = page.meta or {}
    for key in ("title", "reviewer"):
        if key in meta and meta[key] not in (None, "") and not isinstance(meta[key], str):
            yield error(
                page.rel,
                page.key_lines[key],
                "front-matter",
                f'`{key}:` should be text; put it in double quotes, like {key}: "{meta[key]}"',
            )
    description = meta.get("description")
    if description in (None, ""):
        return
    line = page.key_lines["description"]
    if not isinstance(description, str):
        yield error(page.rel, line, "front-matter", "`description:` should be a sentence of text")
        return
    low, high = DESCRIPTION_CHARS
    size = len(description.strip())
    if not low <= size <= high:
        yield error(
            page.rel,
            line,
            "front-matter",
            f"the description is {size} characters; make it {low} to {high} "
            "(search engines show it under the page title)",
        )


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month, `months` earlier (the last day when that month is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def check_reviewed(page: Page, today: dt.date) -> Iterator[Finding]:
    meta = page.meta or {}
    if meta.get("reviewed") in (None, ""):
        return
    line = page.key_lines["reviewed"]
    value = meta["reviewed"]
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        yield error(
            page.rel,
            line,
            "front-matter",
            f"`reviewed:` must be a date written as year-month-day without quotes, "
            f"like `reviewed: {today.isoformat()}`",
        )
        return
    if value > today:
        yield error(
            page.rel,
            line,
            "front-matter",
            f"the review date {value.isoformat()} is in the future; "
            "use the day the page was actually reviewed",
        )
    elif value < months_before(today, REVIEW_MONTHS):
        yield warning(
            page.rel,
            line,
            "review-date",
            f"last reviewed on {value.isoformat()}, more than {REVIEW_MONTHS} months ago; "
            "ask the reviewer to check the page, then update `reviewed:` (and `reviewer:`)",
        )


HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*(?:\{[^}\n]*\})?[ \t]*#*[ \t]*$", re.MULTILINE)


def check_faq_headings(page: Page) -> Iterator[Finding]:
    """On the FAQ page every second-level heading is a question: search engines read them so."""
    if not (page.meta or {}).get("faq"):
        return
    body = blank_out(page.text, FENCE)
    for match in HEADING.finditer(body, pos=body_offset(page)):
        level, title = len(match.group(1)), match.group(2)
        line = line_of(body, match.start())
        if level == 2 and not title.endswith("?"):
            yield error(
                page.rel,
                line,
                "faq-heading",
                f'"{title}" is not a question: on the FAQ page every ## heading is a question '
                "that ends with ?",
            )
        elif level > 2:
            yield error(
                page.rel,
                line,
                "faq-heading",
                "the FAQ page can only have ## question headings (a smaller heading cuts the "
                "answer short in search results); use **bold text** instead",
            )


def check_front_matter(page: Page, today: dt.date) -> Iterator[Finding]:
    if page.meta is None:
        return
    yield from check_required(page)
    yield from check_text_fields(page)
    yield from check_reviewed(page, today)
    yield from check_faq_headings(page)


# --- Images --------------------------------------------------------------------------------

MD_IMAGE = re.compile(r"!\[([^\]]*)\]\s*[(\[]([^)\]]*)")
HTML_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
ALT_ATTR = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
SRC_ATTR = re.compile(r"""\bsrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


def check_images(page: Page) -> Iterator[Finding]:
    """Every picture needs words for people who cannot see it (screen readers read them out)."""
    text = blank_out(reader_text(page.text), FENCE)
    for match in MD_IMAGE.finditer(text):
        if not match.group(1).strip():
            src = match.group(2).strip() or "the image"
            yield error(
                page.rel,
                line_of(text, match.start()),
                "alt-text",
                f"the image {src} has no alt text; describe the picture between the square "
                f"brackets, like ![Chairs in a circle in our group room]({src})",
            )
    for match in HTML_IMG.finditer(text):
        alt = ALT_ATTR.search(match.group(0))
        if alt is None or not "".join(g or "" for g in alt.groups()).strip():
            src_match = SRC_ATTR.search(match.group(0))
            src = src_match.group(1) if src_match else "the image"
            yield error(
                page.rel,
                line_of(text, match.start()),
                "alt-text",
                f'the image {src} has no alt text; add alt="a short description of the picture"',
            )


# --- Facts typed into a page ---------------------------------------------------------------

SEP = r"[ \t().\-/\u00a0]{0,3}"
US_PHONE = re.compile(
    r"(?<![\w+])(?:\+?1[ .\-\u00a0]?)?(?:\(\d{3}\)[ \u00a0]?|\d{3}[ .\-\u00a0]?)"
    r"\d{3}[ .\-\u00a0]?\d{4}(?!\w)"
)


def short_number(number: str) -> re.Pattern[str]:
    """A short code such as 988 standing alone, not inside a price, a date or a longer number."""
    return re.compile(rf"(?<![\w$.,/\-+]){re.escape(number)}(?![\w%]|[.,:/\-]\d)")


def clinic_phone(phone: str) -> re.Pattern[str] | None:
    """The clinic's number with any separators: 314-388-2225, (314) 388 2225, 314.388.2225 ..."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) < 7:
        return None
    return re.compile(rf"(?<![\w+(])(?:\+?1{SEP})?\(?" + SEP.join(digits) + r"(?!\d)")


@dataclass(frozen=True)
class FactRule:
    pattern: re.Pattern[str]
    message: str


def fact_rules(facts: dict[str, Any]) -> list[FactRule]:
    """What to look for, most specific first, each with the variable to write instead."""
    rules: list[FactRule] = []
    phone = clinic_phone(str(facts.get("phone", "")))
    if phone:
        rules.append(
            FactRule(
                phone,
                "the clinic's phone number is typed in; write {{ phone_link() }} "
                "(a click-to-call link) or {{ clinic.phone }} instead, so it follows clinic.yml",
            )
        )
    rules.append(
        FactRule(
            US_PHONE,
            "a phone number is typed in; for the clinic write {{ phone_link() }}; another "
            "service's number belongs in clinic.yml (ask a developer to add it)",
        )
    )
    crisis = facts.get("crisis") or {}
    numbers = {
        str(crisis.get("lifeline_number") or "988"): "{{ clinic.crisis.lifeline_number }}",
        str(crisis.get("emergency_number") or "911"): "{{ clinic.crisis.emergency_number }}",
        "988": "{{ clinic.crisis.lifeline_number }}",
        "911": "{{ clinic.crisis.emergency_number }}",
    }
    for number, variable in numbers.items():
        rules.append(
            FactRule(
                short_number(number),
                f"the crisis number {number} is typed in; write {variable} instead "
                "(or {{ crisis_lines() }} for the full crisis help list)",
            )
        )
    rules.extend(insurer_rules(facts.get("insurance") or {}))
    return rules


def insurer_rules(insurance: dict[str, Any]) -> list[FactRule]:
    names = [
        (str(name), key)
        for key, value in insurance.items()
        if isinstance(value, list)
        for name in value
    ]
    rules = []
    for name, key in sorted(names, key=lambda item: -len(item[0])):  # longest name first
        words = r"\s+".join(re.escape(w) for w in name.split())
        rules.append(
            FactRule(
                re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE),
                f'the insurer "{name}" is typed in; insurers come from clinic.yml: write '
                f"{{{{ bullet_list(clinic.insurance.{key}) }}}} for a list, or "
                f'{{{{ clinic.insurance.{key} | join(", ") }}}} in a sentence',
            )
        )
    return rules


def check_typed_facts(page: Page, rules: list[FactRule]) -> Iterator[Finding]:
    text = reader_text(page.text)
    taken: list[tuple[int, int]] = []
    for rule in rules:
        for match in rule.pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue  # already reported by a more specific rule
            taken.append((start, end))
            line = line_of(text, start)
            message = f'"{match.group(0).strip()}": {rule.message}'
            if line <= page.fm_end:
                message += " (the front matter cannot use {{ }}: leave it out there)"
            yield error(page.rel, line, "typed-fact", message)


# --- Promise words -------------------------------------------------------------------------


def promise_pattern(phrase: str) -> re.Pattern[str]:
    """Whole words, any capitals, any spacing (a line break may fall inside a phrase)."""
    words = r"\s+".join(re.escape(w) for w in phrase.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


def check_promises(page: Page, words: list[str]) -> Iterator[Finding]:
    text = reader_text(page.text)
    for phrase in words:
        for match in promise_pattern(phrase).finditer(text):
            found = " ".join(match.group(0).split())
            yield error(
                page.rel,
                line_of(text, match.start()),
                "promise",
                f'"{found}" promises a cure or a result the clinic cannot promise; say what the '
                'program offers instead, like "can help" or "many people feel better"',
            )


# --- Reading grade -------------------------------------------------------------------------


def sentence_line(page: Page, sentence: str) -> int | None:
    """Where a sentence is, found by four words in a row (links and macros change the rest)."""
    words = re.findall(r"[\w']+", sentence)
    start = body_offset(page)
    for i in range(max(len(words) - 3, 1)):
        pattern = r"[^\w']+".join(map(re.escape, words[i : i + 4]))
        if pattern and (match := re.search(pattern, page.text[start:])):
            return line_of(page.text, start + match.start())
    return None


def sentence_details(page: Page, scored: Iterable[tuple[float, str]], measure: str) -> list[str]:
    """The hardest sentences as a reading-grade finding lists them: line, measure, sentence."""
    details = []
    for score, sentence in scored:
        where = sentence_line(page, sentence)
        at = f"line {where}, " if where else ""
        details.append(f'{at}{measure.format(score)}: "{sentence}"')
    return details


def check_spanish_reading_grade(page: Page) -> Iterator[Finding]:
    """Spanish pages are measured with Fernandez Huerta's reading ease (see readability.py)."""
    score = readability.spanish_score(page.text)
    if score >= readability.SPANISH_MIN_SCORE:
        return
    details = sentence_details(page, readability.hardest_spanish(page.text), "reading ease {:.0f}")
    yield warning(
        page.rel,
        first_text_line(page),
        "reading-grade",
        f"Fernandez Huerta reading ease {score:.0f} is below "
        f"{readability.SPANISH_MIN_SCORE:g} (about grade "
        f"{readability.spanish_grade(score)}, above grade {MAX_GRADE:g}); use shorter "
        "sentences and everyday words. The hardest sentences:",
        *details,
    )


def check_reading_grade(page: Page) -> Iterator[Finding]:
    if translations.language_of(page.rel) != translations.DEFAULT_LANGUAGE:
        yield from check_spanish_reading_grade(page)
        return
    body = page.text
    grade = readability.grade(body)
    if grade <= MAX_GRADE:
        return
    scored = readability.hardest(body, count=len(readability.visible_sentences(body)))
    # One- or two-word headings score oddly high; long sentences are what an editor can fix.
    unique_scored = list(dict((t, (s, t)) for s, t in reversed(scored)).values())[::-1]
    hard = [(s, t) for s, t in unique_scored if len(t.split()) >= 5][:3] or unique_scored[:3]
    details = sentence_details(page, hard, "grade {:.1f}")
    yield warning(
        page.rel,
        first_text_line(page),
        "reading-grade",
        f"reading grade {grade:.1f} is above {MAX_GRADE:g}; use shorter sentences and "
        "everyday words. The sentences that raise it most:",
        *details,
    )


# --- The build: links, anchors and anything else MkDocs refuses ----------------------------

RECORD = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+-\s+", re.MULTILINE)
DOC_LINK = re.compile(
    r"Doc file '(?P<doc>[^']+)' contains (?P<kind>a|an absolute|an unrecognized relative) "
    r"link '(?P<target>[^']+)'(?P<rest>.*)",
    re.DOTALL,
)


def log_records(output: str) -> list[tuple[str, str]]:
    """MkDocs' log as (level, message) pairs; continuation lines stay with their record."""
    records: list[tuple[str, str]] = []
    starts = list(RECORD.finditer(output))
    if starts and output[: starts[0].start()].strip():
        records.append(("OUTPUT", output[: starts[0].start()].strip()))
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(output)
        records.append((match.group(1), output[match.end() : end].strip()))
    if not starts and output.strip():
        records.append(("OUTPUT", output.strip()))
    return records


def target_lines(text: str, target: str) -> list[int]:
    """Every line that links to `target` (MkDocs reports a repeated link only once)."""
    found = re.finditer(rf"[(\"'<]{re.escape(target)}[)\"'>\s]", text)
    lines = sorted({line_of(text, m.start()) for m in found})
    return lines or sorted({line_of(text, m.start()) for m in re.finditer(re.escape(target), text)})


def link_message(kind: str, target: str, rest: str) -> str:
    rest = " ".join(rest.split())
    suggestion = re.search(r"Did you mean '([^']+)'\?", rest)
    mean = f" (did you mean {suggestion.group(1)}?)" if suggestion else ""
    if kind == "an absolute":
        return f"the link {target} starts with /; link to the page's file instead{mean}"
    if kind == "an unrecognized relative":
        return f"the link {target} does not name a page file; link to the .md file{mean}"
    anchor = re.search(r"does not contain an anchor '([^']+)'|there is no such anchor", rest)
    if anchor:
        return (
            f"the link {target} points to a heading that is not there; check the part after #: "
            "it is the heading in lower case with dashes for spaces (hover over the heading "
            "in the preview and click the ¶ sign to see it)"
        )
    if re.search(r"\.(png|jpe?g|gif|svg|webp)$", target, re.IGNORECASE):
        return (
            f"the image {target} is not in content/; check the file name and folder "
            "(from a page in content/guide/, images are at ../images/...)"
        )
    return (
        f"the link {target} goes nowhere: there is no such page in content/; check the "
        "spelling and the folder (from a page in content/guide/, other pages are at ../name.md)"
    )


def page_offsets(root: Path, rel: str) -> int:
    """How many lines MkDocs drops from the top of a page before the macros see it."""
    text = (root / rel).read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if not match:
        return 0
    rest = text[match.end() :]
    return line_of(text, match.end()) - 1 + (len(rest) - len(rest.lstrip("\n")))


def macro_finding(root: Path, message: str) -> Finding:
    """A {{ }} the macros could not fill in, placed on its line in the page's source."""
    doc = re.search(r"_File_: `([^`]+)`", message)
    rel = f"content/{doc.group(1)}" if doc else "mkdocs.yml"
    syntax = re.search(r"_Line (\d+) in Markdown file:_ \*\*(.+?)\*\*", message)
    if syntax:
        line, problem = int(syntax.group(1)), syntax.group(2)
        text = (
            f"a {{{{ }}}} is not written correctly ({problem}); "
            "check that every {{ has its }} and every bracket is closed"
        )
    elif output := re.search(r"_MacroOutputError_: \S+:(\d+): (.+)$", message, re.MULTILINE):
        # The macros (site_templates/macros.py) already name the file's own line and the fix.
        line, text = int(output.group(1)), output.group(2)
        return error(rel, line, "build", text)
    else:
        lines = re.findall(r'File "<template>", line (\d+)', message)
        line = int(lines[-1]) if lines else 0
        last = re.findall(r"^_?(\w+)_?: (.+)$", message, re.MULTILINE)
        problem = last[-1][1] if last else "unknown problem"
        text = (
            f"a {{{{ }}}} could not be filled in ({problem}); check the name inside it against "
            f"clinic.yml and the list in {GUIDE}"
        )
    text += " (the build stops at this page, so links are checked once it is fixed)"
    if doc and line:
        line += page_offsets(root, rel)
    return error(rel, max(line, 1), "build", text)


def nav_line(root: Path, target: str) -> int:
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    found = text.find(target)
    return line_of(text, found) if found >= 0 else 1


def build_record_findings(root: Path, level: str, message: str) -> Iterator[Finding]:
    """Turn one MkDocs log record into findings with a file and a line."""
    if link := DOC_LINK.match(message):
        rel, target = f"content/{link['doc']}", link["target"]
        text = (root / rel).read_text(encoding="utf-8") if (root / rel).exists() else ""
        hint = link_message(link["kind"], target, link["rest"])
        for line in target_lines(text, target) or [1]:
            yield error(rel, line, "broken-link", hint)
    elif "[macros]" in message and "ERROR" in message:
        yield macro_finding(root, message)
    elif nav := re.search(r"A reference to '([^']+)' is included in the 'nav'", message):
        yield error(
            "mkdocs.yml",
            nav_line(root, nav.group(1)),
            "broken-link",
            f"the navigation lists {nav.group(1)}, but there is no such file in content/",
        )
    elif 'are not included in the "nav" configuration' in message:
        for name in re.findall(r"^\s*- (.+)$", message, re.MULTILINE):
            yield error(
                f"content/{name.strip()}",
                1,
                "broken-link",
                "this page is not in the navigation; add it to `nav:` in mkdocs.yml "
                f'(see {GUIDE}, "Add a page")',
            )
    elif level in ("WARNING", "ERROR", "CRITICAL", "OUTPUT"):
        message = message.split("Traceback (most recent call last)")[0]
        doc = re.search(r"'([^']+\.md)'", message)
        known = doc and (root / "content" / doc.group(1)).exists()
        rel = f"content/{doc.group(1)}" if known else "mkdocs.yml"
        yield error(rel, 1, "build", BUILD_FAILED + " ".join(message.split()))


def run_build(root: Path) -> tuple[int, str]:
    """A real strict build into a throwaway folder, from the project's own directory."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if (root / "clinic.yml").exists():
        env["CLINIC_FACTS"] = str((root / "clinic.yml").resolve())
    with tempfile.TemporaryDirectory(prefix="content-check-") as out:
        result = subprocess.run(  # noqa: S603 - a fixed command: this Python running MkDocs
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", out],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    return result.returncode, result.stdout + result.stderr


def build_findings(root: Path, code: int, output: str) -> list[Finding]:
    findings: list[Finding] = []
    for level, message in log_records(output):
        if level in ("DEBUG", "INFO") or message.startswith("Aborted with"):
            continue
        if level == "OUTPUT":
            message = "\n".join(
                ln for ln in message.splitlines() if not ln.startswith("Aborted with")
            )
            if not message.strip() or code == 0:
                continue
            message = message.strip().splitlines()[-1]  # a traceback's last line says what broke
        findings.extend(build_record_findings(root, level, message))
    if code != 0 and not findings:
        tail = " ".join(output.strip().splitlines()[-1:]) or f"exit status {code}"
        findings.append(error("mkdocs.yml", 1, "build", BUILD_FAILED + tail))
    return findings


def cache_key(root: Path) -> str:
    """A fingerprint of everything the build reads, so an unchanged project is not rebuilt."""
    digest = hashlib.sha256()
    versions = [metadata.version(p) for p in ("mkdocs", "mkdocs-material", "mkdocs-macros-plugin")]
    for part in (sys.executable, os.environ.get("SITE_URL", ""), *versions):
        digest.update(part.encode() + b"\0")
    # The code that reads and checks clinic.yml for the build counts as an input too.
    digest.update((DEFAULT_ROOT / "intake_server" / "clinic.py").read_bytes() + b"\0")
    inputs = [root / "mkdocs.yml", root / "clinic.yml"]
    for folder in ("content", "site_templates"):
        inputs += sorted(
            p for p in (root / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts
        )
    for path in inputs:
        if path.exists():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def check_build(root: Path, use_cache: bool = True) -> list[Finding]:
    cache = Path(tempfile.gettempdir()) / "content-check-cache" / f"{cache_key(root)}.json"
    if use_cache and cache.exists():
        try:
            return [
                Finding(**{**f, "details": tuple(f["details"])})
                for f in json.loads(cache.read_text())
            ]
        except (ValueError, TypeError, KeyError):
            pass  # a damaged cache file: build again
    code, output = run_build(root)
    findings = build_findings(root, code, output)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps([asdict(f) for f in findings]))
    except OSError:
        pass  # no cache this time; the check itself is still right
    return findings


# --- Settings files ------------------------------------------------------------------------


def load_yaml_file(root: Path, name: str) -> tuple[Any, list[Finding]]:
    """A settings file, or a finding that says which line to fix."""
    path = root / name
    text = path.read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text), []
    except yaml.YAMLError as exc:
        last = text.count("\n") + 1
        return None, [yaml_problem(name, exc, (1, last), name, text, "facts-file")]


def load_promise_words(root: Path) -> tuple[list[str], list[Finding]]:
    """The editors' list: this project's content_rules.yml, else the checker's own copy."""
    for base in (root, DEFAULT_ROOT):
        if (base / "content_rules.yml").exists():
            data, problems = load_yaml_file(base, "content_rules.yml")
            if problems:
                return DEFAULT_PROMISE_WORDS, problems if base == root else []
            words = (data or {}).get("promise_words") or []
            return [str(w) for w in words if str(w).strip()], []
    return DEFAULT_PROMISE_WORDS, []


def load_facts(root: Path) -> tuple[dict[str, Any], list[Finding]]:
    """clinic.yml read and checked exactly as the build and the service read it (a phone that
    cannot be dialled, an unknown time of day ...), or a finding at the line to fix."""
    path = root / "clinic.yml"
    if not path.exists():
        return {}, [error("clinic.yml", 1, "facts-file", "clinic.yml is missing")]
    try:
        return read_facts(path), []
    except FactsError as exc:
        data, _ = load_yaml_file(root, "clinic.yml")
        problem = error("clinic.yml", exc.line, "facts-file", exc.message)
        return (data if isinstance(data, dict) else {}), [problem]


# The part of mkdocs.yml editors touch: the navigation, where a line indented by a space too many
# or too few is the usual mistake.
NAV_HINT = (
    "the line's indentation is the likely cause: each nav entry starts with a dash, and the "
    "dashes of one list line up exactly (two more spaces for the pages inside a section)"
)


def check_site_settings(root: Path) -> list[Finding]:
    """mkdocs.yml's shape, with the line to fix (MkDocs itself gives only a YAML position).
    Tags such as !ENV are left alone: composing reads the shape, not the values."""
    path = root / "mkdocs.yml"
    text = path.read_text(encoding="utf-8")
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        lines = text.splitlines()
        line = yaml_error_line(exc, 1, len(lines), text)
        nav_start = next((n for n, ln in enumerate(lines, 1) if ln.startswith("nav:")), None)
        in_nav = nav_start is not None and line > nav_start
        hint = NAV_HINT if in_nav else yaml_hint(exc.problem or "")
        # The line above too: a line indented wrongly can make YAML stop at the one after it.
        shown = [f"{n}: {lines[n - 1].rstrip()}" for n in (line - 1, line) if n >= 1]
        return [error("mkdocs.yml", line, "facts-file", f"mkdocs.yml is not valid: {hint}", *shown)]
    return []


# --- The report ----------------------------------------------------------------------------


def check(root: Path, today: dt.date, use_cache: bool = True) -> list[Finding]:
    """Every finding for the project at `root`."""
    facts, findings = load_facts(root)
    findings += check_site_settings(root)
    words, problems = load_promise_words(root)
    findings += problems
    rules = fact_rules(facts)
    site_url = str(facts.get("site_url") or "").rstrip("/") + "/"
    pages = content_pages(root)
    findings += translations.check_pairs(root, (p.relative_to(root).as_posix() for p in pages))
    for path in pages:
        page, problems = read_page(root, path)
        findings += problems
        findings += check_front_matter(page, today)
        findings += check_images(page)
        findings += check_typed_facts(page, rules)
        findings += check_promises(page, words)
        findings += check_reading_grade(page)
        findings += translations.check_translation(root, page)
        findings += translations.check_links(page, site_url)
    findings += caused_elsewhere(check_build(root, use_cache), findings)
    return unique(findings)


def caused_elsewhere(build: list[Finding], found: list[Finding]) -> list[Finding]:
    """Drop a build failure whose cause is already reported: a page's front matter or a settings
    file; the plain finding says what to fix, MkDocs' message would only repeat it less kindly."""
    broken = {f.path for f in found if f.rule == "front-matter" and f.level == "error"}
    settings = any(f.rule == "facts-file" for f in found)

    def repeated(f: Finding) -> bool:
        return f.message.startswith(BUILD_FAILED) and (settings or f.path in broken)

    return [f for f in build if not repeated(f)]


def unique(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[Finding] = set()
    return [f for f in findings if not (f in seen or seen.add(f))]


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def report(findings: list[Finding], pages: int) -> str:
    """One readable report: findings grouped by file, in line order, then a summary line."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_file[finding.path].append(finding)
    lines = [f"Content check: {plural(pages, 'page')} in content/", ""]
    for path in sorted(by_file):
        for finding in sorted(by_file[path], key=lambda f: (f.line, f.level != "error")):
            lines.append(finding.render())
        lines.append("")
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    if findings:
        lines.append(
            "Errors must be fixed before the site can go out; warnings are worth a look. "
            f'What each one means: {GUIDE}, "What the content check means".'
        )
    else:
        lines.append("Everything looks good.")
    lines.append(f"{errors} errors, {warnings} warnings")  # one fixed form, easy to search for
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the project to check")
    parser.add_argument(
        "--today", type=dt.date.fromisoformat, default=dt.date.today(), help="YYYY-MM-DD"
    )
    parser.add_argument("--no-cache", action="store_true", help="always rebuild the site")
    parser.add_argument(
        "--stamp",
        nargs="+",
        metavar="PAGE",
        help="record that these Spanish pages now match their English pages, and stop",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = args.root.resolve()
    if args.stamp:
        return translations.stamp(root, args.stamp)
    findings = check(root, args.today, use_cache=not args.no_cache)
    print(report(findings, len(content_pages(root))))
    return 1 if any(f.level == "error" for f in findings) else 0
