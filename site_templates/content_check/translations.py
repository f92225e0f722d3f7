"""The Spanish site beside the English one: every English page has its Spanish page, each Spanish
page says whether a fluent clinician has read it and which English text it was written from, and
no link jumps to the other language by mistake.

A Spanish page is ``content/<page>.es.md`` next to ``content/<page>.md``. Its front matter carries

    translation_reviewed: false      # true once a fluent clinician has read it
    english_sha256: 3f2a9c...        # the English page it was written from (a fingerprint)

The fingerprint is of the English file's text, so it works the same on a fresh clone, a shallow
clone or a copy without git. After updating a Spanish page to match its English page, write the
new fingerprint in with:

    python -m site_templates.content_check --stamp content/faq.es.md
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from . import Finding, Page

DEFAULT_LANGUAGE = "en"
TRANSLATIONS = ("es",)
FINGERPRINT_KEY = "english_sha256"
REVIEWED_KEY = "translation_reviewed"
FINGERPRINT_CHARS = 16

# Link targets in Markdown (](...)) and in HTML (href="..."), as an editor wrote them.
LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)|\bhref=[\"']([^\"']+)[\"']")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def language_of(rel: str) -> str:
    """`content/faq.es.md` is Spanish; `content/faq.md` is the default language."""
    stem = rel.removesuffix(".md")
    suffix = stem.rsplit(".", 1)[1] if "." in stem.rsplit("/", 1)[-1] else ""
    return suffix if suffix in TRANSLATIONS else DEFAULT_LANGUAGE


def translation_of(rel: str, language: str) -> str:
    """Where `content/faq.md` lives in `language`: `content/faq.es.md`."""
    return rel.removesuffix(".md") + f".{language}.md"


def source_of(rel: str) -> str:
    """The English page a translation was written from."""
    return rel.removesuffix(f".{language_of(rel)}.md") + ".md"


def fingerprint(path: Path) -> str:
    """The English page's words as a short fingerprint: its title, its description and its text.
    A new review date or reviewer leaves it as it is; so do line endings."""
    from . import FRONT_MATTER

    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    meta: dict[str, object] = {}
    if match := FRONT_MATTER.match(text):
        text = text[match.end() :]
        with contextlib.suppress(yaml.YAMLError):  # the English page's own finding says why
            loaded = yaml.safe_load(match.group(1))
            meta = loaded if isinstance(loaded, dict) else {}
    words = "\0".join([str(meta.get("title", "")), str(meta.get("description", "")), text])
    return hashlib.sha256(words.encode()).hexdigest()[:FINGERPRINT_CHARS]


def check_pairs(root: Path, rels: Iterable[str]) -> Iterator[Finding]:
    """An English page without its Spanish page, or a Spanish page with no English page."""
    from . import error

    rels = set(rels)
    for rel in sorted(rels):
        language = language_of(rel)
        if language == DEFAULT_LANGUAGE:
            for other in TRANSLATIONS:
                if translation_of(rel, other) not in rels:
                    yield error(
                        rel,
                        1,
                        "translation-missing",
                        f"this page has no Spanish version; write {translation_of(rel, other)} "
                        '(see docs/editing.md, "Pages in Spanish")',
                    )
        elif source_of(rel) not in rels:
            yield error(
                rel,
                1,
                "translation-missing",
                f"there is no English page {source_of(rel)} for this Spanish page; rename it to "
                "match its English page, or remove it",
            )


def check_translation(root: Path, page: Page) -> Iterator[Finding]:
    """A Spanish page not yet read by a fluent clinician, or written from older English text."""
    from . import error, warning

    if language_of(page.rel) == DEFAULT_LANGUAGE or page.meta is None:
        return
    meta, lines = page.meta, page.key_lines
    reviewed = meta.get(REVIEWED_KEY)
    if reviewed is None:
        yield error(
            page.rel,
            page.fm_end,
            "front-matter",
            f"a Spanish page needs `{REVIEWED_KEY}: false` until a fluent clinician has read it",
        )
    elif reviewed is not True:
        yield warning(
            page.rel,
            lines.get(REVIEWED_KEY, 1),
            "translation-review",
            "no fluent clinician has read this Spanish page yet; once one has, change "
            f"`{REVIEWED_KEY}: false` to `{REVIEWED_KEY}: true`",
        )
    english = root / source_of(page.rel)
    if not english.exists():
        return
    stamp = str(meta.get(FINGERPRINT_KEY) or "")
    if not stamp:
        yield warning(
            page.rel,
            page.fm_end,
            "translation-stale",
            f"this Spanish page does not say which English text it matches; once it does, run "
            f"`python -m site_templates.content_check --stamp {page.rel}`",
        )
    elif stamp != fingerprint(english):
        yield warning(
            page.rel,
            lines.get(FINGERPRINT_KEY, page.fm_end),
            "translation-stale",
            f"{source_of(page.rel)} has changed since this Spanish page was written from it; "
            "bring the Spanish up to date, then run "
            f"`python -m site_templates.content_check --stamp {page.rel}`",
        )


def crossing(rel: str, target: str, site_url: str) -> str | None:
    """Why a link from page `rel` leads into the other language, or None when it does not.

    From any page, `faq.md` leads to the same page in the page's own language (the i18n plugin
    sees to it), so only an explicit `.es.md` or `/es/` from an English page, or an address
    outside `/es/` from a Spanish page, crosses over."""
    language = language_of(rel)
    target = target.split("#", 1)[0]
    if target.startswith(site_url):
        target = "/" + target[len(site_url) :].lstrip("/")
    elif SCHEME.match(target) or not target:
        return None
    path = target if target.startswith("/") else None
    if language == DEFAULT_LANGUAGE:
        if any(target.endswith(f".{lang}.md") for lang in TRANSLATIONS):
            return "links to a Spanish page file; link to the English file (without .es)"
        if path and any(path.startswith(f"/{lang}/") for lang in TRANSLATIONS):
            return "links into the Spanish site from an English page"
        return None
    if path and not path.startswith(f"/{language}/"):
        return "leads to the English site from a Spanish page; link to the page's .md file"
    return None


def check_links(page: Page, site_url: str) -> Iterator[Finding]:
    """Links that cross languages by mistake: the reader would land in the other language."""
    from . import error, line_of, reader_text

    text = reader_text(page.text)
    for match in LINK_TARGET.finditer(text):
        target = match.group(1) or match.group(2)
        why = crossing(page.rel, target, site_url)
        if why:
            yield error(
                page.rel,
                line_of(text, match.start()),
                "cross-language-link",
                f"the link {target} {why}",
            )


def stamp(root: Path, paths: list[str]) -> int:
    """Write the English page's current fingerprint into each Spanish page's front matter."""
    for name in paths:
        path = Path(name) if Path(name).is_absolute() else root / name
        rel = path.as_posix()
        english = path.with_name(Path(source_of(rel)).name)
        if language_of(rel) == DEFAULT_LANGUAGE or not english.exists():
            print(f"{name}: not a Spanish page with an English page beside it", file=sys.stderr)
            return 1
        text = path.read_text(encoding="utf-8")
        line = f"{FINGERPRINT_KEY}: {fingerprint(english)}"
        head, sep, body = text.partition("\n---\n")
        if not text.startswith("---\n") or not sep:
            print(f"{name}: has no front matter", file=sys.stderr)
            return 1
        head, count = re.subn(rf"(?m)^{FINGERPRINT_KEY}:.*$", line, head)
        if not count:
            head += "\n" + line
        path.write_text(head + sep + body, encoding="utf-8")
        print(f"{name}: {line}")
    return 0
