"""Reading grade of a Markdown page, measured on the words a reader sees."""

from __future__ import annotations

import re

import textstat

FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
HTML_TAG = re.compile(r"<[^>]+>")
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
ATTRS = re.compile(r"\{\s*[.#:][^}]*\}")
MARKUP = re.compile(r"^\s*(?:#+|[-*+]|\d+\.|>|!!!|\?\?\?\+?|\|)\s*", re.MULTILINE)


def visible_sentences(markdown_text: str) -> list[str]:
    """Sentences as a reader meets them; a heading or list item without a full stop is one sentence."""
    text = FRONT_MATTER.sub("", markdown_text)
    text = JINJA.sub("it", text)
    text = LINK.sub(r"\1", text)
    text = ATTRS.sub("", text)
    text = HTML_TAG.sub(" ", text)
    text = MARKUP.sub("", text)
    text = text.replace("*", "").replace("`", "")
    sentences: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\S)", text):
        block = " ".join(block.split())
        if not block or set(block) <= set("|-: "):
            continue
        sentences.extend(s for s in re.split(r"(?<=[.!?])\s+", block) if s)
    return [s if s[-1] in ".!?" else s + "." for s in sentences]


def grade(markdown_text: str) -> float:
    return textstat.flesch_kincaid_grade(" ".join(visible_sentences(markdown_text)))


def hardest(markdown_text: str, count: int = 3) -> list[tuple[float, str]]:
    """The sentences that raise the grade most, for an editor to rewrite first."""
    scored = [(textstat.flesch_kincaid_grade(s), s) for s in visible_sentences(markdown_text)]
    return sorted(scored, reverse=True)[:count]


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:]:
        with open(name, encoding="utf-8") as fh:
            body = fh.read()
        print(f"{name}: grade {grade(body):.1f}")
        for score, sentence in hardest(body):
            print(f"    {score:5.1f}  {sentence}")
