"""The language of a page: Spanish at the addresses under /es/, English everywhere else.

The address decides, never the browser's Accept-Language alone: the Spanish site links to the
Spanish forms, so a person reads the forms, their errors and the confirmation in the language of
the page they came from, and a shared or bookmarked address always shows the same language.
Flask-Babel asks `page_language` which catalog to use (app.py registers it).
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from ..storage import LANGUAGES

DEFAULT = LANGUAGES[0]


def language_prefix(language: str) -> str:
    """The start of every address of a language: nothing for English, /es for Spanish."""
    return "" if language == DEFAULT else f"/{language}"


def page_language() -> str:
    """The language of the page being answered, from its address ("en" outside a request)."""
    if has_request_context():
        for language in LANGUAGES[1:]:
            if request.path.startswith(language_prefix(language) + "/"):
                return language
    return DEFAULT


def in_language(path: str, language: str | None = None) -> str:
    """An English address (/consultation/) as the same page in `language` (the page's own
    language by default): /es/consultation/ in Spanish."""
    return language_prefix(language or page_language()) + path


def fact(facts: dict[str, Any], key: str) -> Any:
    """A fact from clinic.yml that is worded (a problem's label, a promise such as "within one
    business day") in the page's language: `key` in English, `key_es` next to it in Spanish.
    A missing Spanish form is an error (a test reads every one), never English on a Spanish page."""
    language = page_language()
    return facts[key if language == DEFAULT else f"{key}_{language}"]
