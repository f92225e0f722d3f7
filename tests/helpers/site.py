"""Reading a built site: its pages, their JSON-LD, and the resources they load."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import yaml


def built_pages(site: Path) -> list[Path]:
    """Every HTML page of the built site (search index and sitemap are not pages)."""
    return sorted(p for p in site.rglob("*.html") if "search" not in p.parts)


def page_url(site: Path, page: Path) -> str:
    rel = page.relative_to(site).as_posix()
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


class PageParser(HTMLParser):
    """Collects what the checks look at: meta tags, links, scripts, JSON-LD, resource URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.jsonld: list[str] = []
        self.resources: list[str] = []
        self.anchors: list[str] = []
        self._in_jsonld = False
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta":
            key = a.get("name") or a.get("property")
            if key:
                self.meta[key] = a.get("content", "")
        elif tag == "link":
            if a.get("rel") == "canonical":
                self.canonical = a.get("href")
            elif a.get("rel") in ("stylesheet", "icon", "preload", "preconnect", "manifest"):
                self.resources.append(a.get("href", ""))
        elif tag == "script":
            if a.get("type") == "application/ld+json":
                self._in_jsonld, self._buffer = True, []
            elif "src" in a:
                self.resources.append(a["src"])
        elif tag in ("img", "iframe", "audio", "video", "source", "embed"):
            self.resources.append(a.get("src", ""))
        elif tag == "a":
            self.anchors.append(a.get("href", ""))

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self._buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_jsonld:
            self.jsonld.append("".join(self._buffer))
            self._in_jsonld = False


def parse(page: Path) -> PageParser:
    parser = PageParser()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def jsonld_objects(parsed: PageParser) -> list[dict]:
    return [json.loads(block) for block in parsed.jsonld]


EXTERNAL_URL = re.compile(
    r"""(?:url\(\s*['"]?|@import\s+['"]?|src=['"]?|href=['"]?)(?:https?:)?//"""
)


class _ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml's tags (!ENV, and the Python calls that give the theme its data) are not
    needed to read its nav."""


_ConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def mkdocs_config(project: Path) -> dict:
    """A project's mkdocs.yml as plain data, its !ENV values left out."""
    return yaml.load((project / "mkdocs.yml").read_text(), _ConfigLoader)  # noqa: S506
