"""Reading grade of a Markdown page, measured on the words a reader sees.

English pages are measured with Flesch-Kincaid (a US school grade). Spanish pages are measured
with Fernandez Huerta's reading ease (0 hard to 100 easy), whose scale names the school grade a
score suits: 60 to 70 is "normal", right for grades 7 and 8, so grade 8 or below means 60 or more.
"""

from __future__ import annotations

import re

import textstat
from textstat.textstat import textstatistics

FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
HTML_TAG = re.compile(r"<[^>]+>")
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
ATTRS = re.compile(r"\{\s*[.#:][^}]*\}")
MARKUP = re.compile(r"^\s*(?:#+|[-*+]|\d+\.|>|!!!|\?\?\?\+?|\|)\s*", re.MULTILINE)


# A {{ }} fact reads as one short word in the page's language.
PLACEHOLDER = {"en": "it", "es": "eso"}
# Fernandez Huerta's table: the lowest score for each school grade band (Fernandez Huerta, 1959).
SPANISH_GRADES = ((90, 4), (80, 5), (70, 6), (60, 8), (50, 10), (30, 13))
SPANISH_MIN_SCORE = 60.0


def _spanish() -> textstatistics:
    """A measurer of its own, so setting its language leaves the English one as it is."""
    measure = textstatistics()
    measure.set_lang("es")
    return measure


SPANISH = _spanish()


def visible_sentences(markdown_text: str, language: str = "en") -> list[str]:
    """Sentences as a reader meets them; a heading or list item without a full stop is one sentence."""
    text = FRONT_MATTER.sub("", markdown_text)
    text = JINJA.sub(PLACEHOLDER[language], text)
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


def spanish_score(markdown_text: str) -> float:
    """Fernandez Huerta's reading ease of a Spanish page: higher is easier."""
    return SPANISH.fernandez_huerta(" ".join(visible_sentences(markdown_text, "es")))


def spanish_grade(score: float) -> int:
    """The highest school grade of the band a Fernandez Huerta score falls in (4 to 16)."""
    return next((grade for low, grade in SPANISH_GRADES if score >= low), 16)


def hardest_spanish(markdown_text: str, count: int = 3) -> list[tuple[float, str]]:
    """The Spanish sentences with the lowest reading ease, for an editor to rewrite first."""
    scored = [(SPANISH.fernandez_huerta(s), s) for s in visible_sentences(markdown_text, "es")]
    return sorted(scored)[:count]


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:]:
        with open(name, encoding="utf-8") as fh:
            body = fh.read()
        if name.endswith(".es.md"):
            score = spanish_score(body)
            print(f"{name}: Fernandez Huerta {score:.1f} (grade {spanish_grade(score)} or below)")
            hard = hardest_spanish(body)
        else:
            print(f"{name}: grade {grade(body):.1f}")
            hard = hardest(body)
        for score, sentence in hard:
            print(f"    {score:5.1f}  {sentence}")
