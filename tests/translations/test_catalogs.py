"""The gettext catalogs of intake_server/translations/: every word the code and templates mark
is in each language's catalog, translated, not fuzzy, with the same placeholders and tags, and
the committed .mo is what the .po compiles to (`make translations` fixes all of these)."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from intake_server.storage import LANGUAGES
from tests.helpers.environment import ROOT

TRANSLATIONS = ROOT / "intake_server" / "translations"
OTHER_LANGUAGES = [language for language in LANGUAGES if language != "en"]
# The keywords `make translations-extract` adds to Babel's own (gettext, ngettext, _...).
KEYWORDS = ("_l",)
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
TAG = re.compile(r"</?([a-z]+)")
FIX = "run `make translations`, then translate what is new"


def catalog(language: str) -> Catalog:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def marked_in_code() -> set[str]:
    """Every msgid babel.cfg finds in the package, as `make translations-extract` finds it."""
    from babel.messages.extract import DEFAULT_KEYWORDS

    keywords = {**DEFAULT_KEYWORDS, **dict.fromkeys(KEYWORDS)}
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _, _, message, _, _ in extract_from_dir(ROOT, method_map, options_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_extraction_finds_the_forms_words() -> None:
    """A check that finds nothing proves nothing: words from Python and templates are seen."""
    found = marked_in_code()
    assert "Phone number" in found  # forms.py
    assert "Please reach out for help now" in found  # _fields.html
    assert "Something went wrong" in found  # web/errors.py
    assert len(found) > 100


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_marked_word_is_in_the_catalog(language: str) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(language) if m.id}
    missing = sorted(marked_in_code() - ids)
    assert missing == [], f"not in the {language} catalog ({FIX}): {missing}"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_word_is_translated_and_none_is_fuzzy(language: str) -> None:
    found = catalog(language)
    assert not found.fuzzy, f"the {language} catalog's header is marked fuzzy"
    untranslated, fuzzy = [], []
    for message in found:
        if not message.id:
            continue
        strings = [message.string] if isinstance(message.string, str) else message.string
        if not all(strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert untranslated == [], f"untranslated in {language}: {untranslated}"
    assert fuzzy == [], f"fuzzy (check, then remove the flag) in {language}: {fuzzy}"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_translations_keep_every_placeholder_and_tag(language: str) -> None:
    """A lost %(tel)s or <a> would drop a phone link from the page; a stray one would fail."""
    wrong = []
    for message in catalog(language):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else message.string
        for text in strings:
            for pattern in (PLACEHOLDER, TAG):
                wanted, got = set(pattern.findall(ids[-1])), set(pattern.findall(text))
                if len(ids) > 1:  # a plural's "one" form may leave the count unsaid
                    wanted.discard("%(num)d")
                    got.discard("%(num)d")
                if wanted != got:
                    wrong.append((ids[0], text))
    assert wrong == []


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_the_committed_mo_is_the_po_compiled(language: str) -> None:
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    compiled = BytesIO()
    write_mo(compiled, catalog(language))
    mo = folder / "messages.mo"
    assert mo.exists(), f"{mo} is missing: {FIX}"
    # pybabel compile writes with the same function, so the bytes are the same.
    assert mo.read_bytes() == compiled.getvalue(), f"{mo} is older than its .po: {FIX}"


def test_a_catalog_with_a_gap_fails_these_checks(tmp_path: Path, monkeypatch) -> None:
    """The checks above on a copy of the catalog with one word untranslated and one fuzzy."""
    po = (TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    po = po.replace('msgstr "Número de teléfono"', 'msgstr ""', 1)
    po = po.replace('msgid "Your name"', '#, fuzzy\nmsgid "Your name"', 1)
    copy = tmp_path / "es" / "LC_MESSAGES"
    copy.mkdir(parents=True)
    (copy / "messages.po").write_text(po, encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "TRANSLATIONS", tmp_path)
    with pytest.raises(AssertionError, match="Phone number"):
        test_every_word_is_translated_and_none_is_fuzzy("es")
    with pytest.raises(AssertionError, match="is missing"):
        test_the_committed_mo_is_the_po_compiled("es")
