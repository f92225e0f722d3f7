"""Service pages wear the site's own theme: each is the built MkDocs page with its body swapped.

The site build marks a form page's Markdown intro and form slot with HTML comments
(site_templates/main.html). Relative links in the built page are made absolute once, at load,
so the same shell works at any URL the service answers on.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urljoin

from markupsafe import escape

INTRO_START, FORM_START, INTRO_END = (
    "<!-- intake:intro -->",
    "<!-- intake:form -->",
    "<!-- /intake:intro -->",
)
URL_ATTR = re.compile(r'\b(href|src)="(?![a-z][a-z0-9+.-]*:|/|#)([^"]*)"', re.IGNORECASE)
CONFIG_SCRIPT = re.compile(
    r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.DOTALL
)
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
# A <style> element a theme script builds from a string of its own: Zensical's search dialog does
# (`C("style",{},Tc.toString())`, with `Tc='...css...'` in the same bundle).
SCRIPT_STYLE = re.compile(r'\("style",\{\},(\w+)(?:\.toString\(\))?\)')
TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)
SKIP_LINK = re.compile(r'<a href="#[^"]*" class="md-skip">')
# Where whitespace is content (or hashed for the CSP), and the indentation between tags elsewhere.
KEEPS_WHITESPACE = re.compile(
    r"(<(script|style|pre|textarea)\b.*?</\2\s*>)", re.DOTALL | re.IGNORECASE
)
INDENTATION = re.compile(r"\n\s+")


class ShellMissing(RuntimeError):
    """The built site lacks a page the service needs: the site was not built, or is stale."""


def absolutize(html: str, page_url: str) -> str:
    """Resolve the page's relative links against its own URL, so they work from any path."""
    html = URL_ATTR.sub(lambda m: f'{m[1]}="{urljoin(page_url, m[2])}"', html)

    def fix_config(m: re.Match[str]) -> str:
        config = json.loads(m[2])
        config["base"] = urljoin(page_url, config["base"]).rstrip("/") or "/"
        config["search"] = urljoin(page_url, config["search"])
        return m[1] + json.dumps(config) + m[3]

    return CONFIG_SCRIPT.sub(fix_config, html)


def squeeze(html: str) -> str:
    """The theme's indentation out: a newline stays wherever there was whitespace, so the page
    looks the same, and scripts, styles and preformatted text are left as they are (the first
    two are allowed by hash in the CSP). A form page shown again with what someone
    typed is sent uncompressed (extensions.compress), so this is about 4 KB less for it."""
    parts = KEEPS_WHITESPACE.split(html)
    # split() gives: text, kept element, its tag name, text, ...
    return "".join(
        part if i % 3 == 1 else INDENTATION.sub("\n", part)
        for i, part in enumerate(parts)
        if i % 3 != 2
    )


def _hashes(bodies: list[str]) -> tuple[str, ...]:
    return tuple(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in sorted(set(bodies))
    )


def script_hashes(html: str) -> tuple[str, ...]:
    """CSP source expressions for the theme's inline scripts, so the policy needs no unsafe-inline."""
    return _hashes(INLINE_SCRIPT.findall(html))


def style_hashes(html: str) -> tuple[str, ...]:
    """The same for inline <style> elements (zensical-i18n's language selector has one), worked
    out from the built site, so a rebuilt theme never meets a stale hash."""
    return _hashes(INLINE_STYLE.findall(html))


def script_style_hashes(scripts: str) -> tuple[str, ...]:
    """The same for the <style> elements the theme's scripts build from their own strings, read
    from the built scripts (never copied from a browser's error message, which goes stale)."""
    bodies = []
    for name in SCRIPT_STYLE.findall(scripts):
        literal = re.search(rf"\b{name}='([^'\\]*)'", scripts)
        if literal:
            bodies.append(literal[1])
    return _hashes(bodies)


@dataclass(frozen=True)
class Shell:
    """A built page cut around its body; every part is trusted HTML from the site build."""

    head: str
    intro: str
    tail: str

    def render(self, body: str, title: str, *, with_intro: bool = True) -> str:
        """The page with `body` (HTML from the service's own templates) in place of the form slot."""
        head = TITLE.sub(lambda _: f"<title>{escape(title)}</title>", self.head, count=1)
        if with_intro:
            return head + self.intro + body + self.tail
        # The skip link pointed into the intro; point it at the body that replaces it.
        head = SKIP_LINK.sub('<a href="#service-content" class="md-skip">', head, count=1)
        return head + f'<div id="service-content">{body}</div>' + self.tail


def load_shell(site_dir: Path, page_url: str) -> Shell:
    """Read the built page at page_url (for example /consultation/) and cut it into a shell."""
    path = site_dir / page_url.strip("/") / "index.html"
    try:
        html = absolutize(path.read_text(encoding="utf-8"), page_url)
        head, rest = html.split(INTRO_START, 1)
        intro, rest = rest.split(FORM_START, 1)
        _, tail = rest.split(INTRO_END, 1)
    except (OSError, ValueError) as exc:
        raise ShellMissing(
            f"{path} is missing or has no intake markers: run `make site` to build the site"
        ) from exc
    return Shell(head=squeeze(head), intro=intro, tail=squeeze(tail))


class SiteShells:
    """The built pages the service dresses its own pages in, read once and kept."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self.get = cache(self._load)

    def _load(self, page_url: str) -> Shell:
        return load_shell(self.site_dir, page_url)
