"""Crisis language: finding words about suicide and self-harm in what people write.

One source of rules: `crisis_language/<language>.yml` at the project root (English and Spanish),
written for clinicians and editors to read (docs/crisis-detection.md explains the notation).
`compile_rules` turns a rules file into a table in which every form of every word is spelled out
(English inflections come from lemminflect's data, shipped in its wheel; Spanish forms are
written out in the file). The server matches with that table here, and
the form page's live check (static/crisis.js) matches with the very same table, sent to the page
as JSON, following the same steps: so the two cannot disagree, and a test runs the labelled
corpus through both to prove it.

Matching, in both places: the text is lower-cased and stripped of accents one character at a
time (so positions stay those of the original text), cut into words (letters, digits and inner
apostrophes), and each rule's phrase is tried at each word. A phrase is a sequence of steps:
one of several word sequences, or a gap of up to three words. The first way that fits wins;
`not_followed_by` words cancel a fit when they come right after it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

RULES_DIR = Path(__file__).resolve().parents[2] / "crisis_language"
GAP_WORDS = 3
GAP = "..."
FUZZY = "~"
WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*|[.,;:!?]+")
# Where a sentence or clause ends: no phrase, gap or negation reaches across it.
BREAK = "|"
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_STEP = re.compile(r"^(?:\.\.\.|<[a-z_]+>|[^\s<>.()|]+|\([^()<>]+\))$")
# A phrase's tokens: words, and (several words | other words) groups kept whole.
_TOKENS = re.compile(r"\([^()]*\)|\S+")

Table = dict[str, Any]


class RulesError(ValueError):
    """A rules file that cannot be read as rules; the message names the rule and the problem."""


@dataclass(frozen=True)
class Match:
    """One place where a rule fits: its kind, the words staff are shown as the reason, and
    where those words are in the original text."""

    kind: str
    label: str
    start: int
    end: int
    text: str


# --- Reading text --------------------------------------------------------------------------


def _fold(char: str) -> str:
    """One character, lower case and without accents; unchanged if that would not be one
    character, so positions in the folded text are positions in the original."""
    lowered = char.lower()
    if len(lowered) != 1:
        return char
    base = "".join(
        c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c)
    )
    return base if len(base) == 1 else lowered


class _FoldTable(dict[int, str]):
    """str.translate's table for folding, filled in one character at a time as text needs it."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold(chr(code))
        return folded


_FOLDED = _FoldTable()


def fold(text: str) -> str:
    text = text.translate(_APOSTROPHES)
    if text.isascii():
        return text.lower()  # the same as folding each character, only faster
    return text.translate(_FOLDED)


def words(text: str) -> list[tuple[str, int, int]]:
    """(word, start, end) for each word of the text, positions in the original text; a run of
    punctuation between words is the word BREAK ("no, quiero vivir" is not "no quiero vivir")."""
    return [
        (BREAK if m[0][0] in ".,;:!?" else m[0], m.start(), m.end())
        for m in WORD.finditer(fold(text))
    ]


# --- Compiling the rules -------------------------------------------------------------------


def inflections(word: str, forms: dict[str, list[str]], language: str) -> list[str]:
    """Every form of a word, in a fixed order: as the rules file's `forms:` lists them, or for
    English, worked out as a verb (kill: kills, killed, killing) by lemminflect."""
    if word in forms:
        return list(dict.fromkeys(fold(form) for form in forms[word]))
    if language != "en":
        raise RulesError(f"{{{word}}}: list its forms under `forms:` in the rules file")
    from lemminflect import getAllInflections, getAllInflectionsOOV

    found = getAllInflections(word, upos="VERB") or getAllInflectionsOOV(word, upos="VERB")
    every = {word, *(form for group in found.values() for form in group)}
    return sorted(fold(form) for form in every)


def _text(value: Any, where: str) -> str:
    """A word from the rules file. YAML reads a bare no, off or yes as true or false, which
    would silently become a different word: refuse it with the fix."""
    if isinstance(value, bool) or value is None:
        raise RulesError(f"{where}: put quotes around the word (YAML read it as {value})")
    return str(value)


def typos_allowed(word: str) -> int:
    """How many slips a `~word` forgives: two in a long word, one in a mid-length word, none
    in a short one (where one slip makes another word)."""
    return 2 if len(word) >= 8 else 1 if len(word) >= 5 else 0


def close(token: str, word: str) -> bool:
    """Whether `token` is `word` with at most typos_allowed(word) slips: a letter left out,
    added, changed, or two letters swapped. The first letter must be right."""
    limit = typos_allowed(word)
    if token == word:
        return True
    if not limit or abs(len(token) - len(word)) > limit or token[:1] != word[:1]:
        return False
    previous2: list[int] = []
    previous = list(range(len(word) + 1))
    for i in range(1, len(token) + 1):
        row = [i] + [0] * len(word)
        for j in range(1, len(word) + 1):
            cost = 0 if token[i - 1] == word[j - 1] else 1
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and token[i - 1] == word[j - 2] and token[i - 2] == word[j - 1]:
                row[j] = min(row[j], previous2[j - 2] + 1)
        previous2, previous = previous, row
    return previous[-1] <= limit


class _Compiler:
    """Turns one rules file into a table: its `forms:`, its lists, its phrases."""

    def __init__(self, source: dict[str, Any]) -> None:
        self.language = str(source.get("language") or "en")
        self.forms = {
            str(word): [_text(form, f"forms: {word}") for form in forms]
            for word, forms in (source.get("forms") or {}).items()
        }
        self.lists: dict[str, list[str]] = {}
        for name, entries in (source.get("lists") or {}).items():
            self.lists[name] = [
                seq for entry in entries for seq in self.sequences(_text(entry, f"<{name}>"))
            ]

    def options(self, token: str) -> list[str]:
        """`kill` -> [kill]; `{kill}` -> every form; `~kill` -> kill, or a word a slip of the
        keyboard away; `a/b/{c}` -> a, b and every form of c."""
        options: list[str] = []
        for part in token.split("/"):
            if part.startswith("{") and part.endswith("}"):
                options += inflections(part[1:-1], self.forms, self.language)
            elif part.startswith(FUZZY):
                options.append(FUZZY + fold(part[1:]))
            else:
                options.append(fold(part))
        return list(dict.fromkeys(option for option in options if option and option != FUZZY))

    def sequences(self, phrase: str) -> list[str]:
        """Every word sequence a list entry stands for (each token may have several options)."""
        sequences = [""]
        for token in phrase.split():
            sequences = [
                f"{seq} {option}".strip() for seq in sequences for option in self.options(token)
            ]
        return sequences

    def step(self, token: str, where: str) -> dict[str, Any]:
        if not _STEP.match(token):
            raise RulesError(f"{where}: cannot read {token!r}")
        if token == GAP:
            return {"gap": GAP_WORDS}
        if token.startswith("<"):
            name = token[1:-1]
            if name not in self.lists:
                raise RulesError(f"{where}: there is no list called <{name}>")
            return {"list": name}
        if token.startswith("("):
            alternatives = [a.strip() for a in token[1:-1].split("|")]
            if not all(alternatives):
                raise RulesError(f"{where}: an empty choice in {token!r}")
            return {
                "any": list(dict.fromkeys(seq for a in alternatives for seq in self.sequences(a)))
            }
        return {"any": self.options(token)}

    def phrase(self, phrase: str, where: str, *, open_end: bool = False) -> list[dict[str, Any]]:
        """A phrase's steps. It starts with a word; it ends with one too, except a negation,
        which may end in a gap ("denies ..." before "any thoughts of" and what it negates)."""
        steps = [self.step(token, where) for token in _TOKENS.findall(phrase)]
        if not steps or "gap" in steps[0] or ("gap" in steps[-1] and not open_end):
            raise RulesError(f"{where}: a phrase starts and ends with words, not {GAP}")
        return steps


def compile_rules(source: dict[str, Any]) -> Table:
    """The rules as a table both matchers read: lists spelled out, each phrase a list of steps,
    each step either a gap or its options (word sequences, written with spaces)."""
    compiler = _Compiler(source)
    negations = [
        compiler.phrase(_text(p, "negations"), f"negations: {p!r}", open_end=True)
        for p in source.get("negations") or []
    ]
    rules, kinds = [], {}
    for group in source.get("rules") or []:
        kinds[group["kind"]] = group["label"]
        for entry in group["phrases"]:
            entry = entry if isinstance(entry, dict) else {"phrase": entry}
            where = f"{group['kind']}: {entry['phrase']!r}"
            not_next = {
                *(group.get("not_followed_by") or []),
                *(entry.get("not_followed_by") or []),
            }
            rules.append(
                {
                    "kind": group["kind"],
                    "steps": compiler.phrase(_text(entry["phrase"], where), where),
                    "notNext": sorted(fold(_text(word, where)) for word in not_next),
                    "notAfter": [
                        compiler.phrase(_text(p, where), f"{where} not_after")
                        for p in entry.get("not_after") or []
                    ],
                }
            )
    return {
        "language": compiler.language,
        "gap": GAP_WORDS,
        "kinds": kinds,
        "lists": compiler.lists,
        "negations": negations,
        "rules": rules,
    }


# --- Matching ------------------------------------------------------------------------------


class _Index:
    """Items (a step's word sequences, or rules) by the word they must start with, so a word
    is compared only with what could fit it; `~words` are filed under their first letter."""

    def __init__(self, items: Sequence[Any], firsts: Sequence[Iterable[str]]) -> None:
        self.items = list(items)
        exact: dict[str, list[int]] = {}
        letter: dict[str, list[int]] = {}
        for position, words_ in enumerate(firsts):
            # Each item once per key, however many of its words share the key.
            for key in sorted({w for w in words_ if not w.startswith(FUZZY)}):
                exact.setdefault(key, []).append(position)
            for key in sorted({w[1:2] for w in words_ if w.startswith(FUZZY)}):
                letter.setdefault(key, []).append(position)
        self._exact = {word: [self.items[n] for n in found] for word, found in exact.items()}
        self._letter = {first: [self.items[n] for n in found] for first, found in letter.items()}
        self._both: dict[str, list[Any]] = {}
        self._positions = (exact, letter)

    def get(self, token: str) -> Sequence[Any]:
        """The items that may start at `token`, each once, in their own order."""
        by_word = self._exact.get(token)
        by_letter = self._letter.get(token[:1])
        if by_letter is None:
            return by_word or ()
        if by_word is None:
            return by_letter
        if token not in self._both:
            exact, letter = self._positions
            merged = sorted(set(exact[token]) | set(letter[token[:1]]))
            self._both[token] = [self.items[n] for n in merged]
        return self._both[token]


def exact_words(table: Table) -> set[str]:
    """Every word a table spells out (not the `~words`)."""
    phrases = [*table["negations"], *(rule["steps"] for rule in table["rules"])]
    phrases += [after for rule in table["rules"] for after in rule["notAfter"]]
    options = [o for steps in phrases for step in steps for o in step.get("any", [])]
    options += [o for entries in table["lists"].values() for o in entries]
    return {word for option in options for word in option.split() if not word.startswith(FUZZY)}


class Detector:
    """Finds crisis language with a compiled table. `known` holds the words any language's
    rules spell out: such a word is never taken for a slip of the keyboard (the Spanish
    "suicidas" is not a misspelt English "suicidal")."""

    def __init__(self, table: Table, known: Iterable[str] = ()) -> None:
        self.table = table
        self._known = frozenset(known) | exact_words(table)
        self._lists = {name: self._choices(options) for name, options in table["lists"].items()}
        self._steps = {
            id(step): self._choices(step["any"])
            for steps in self._all_phrases()
            for step in steps
            if "any" in step
        }
        self._rules = self._phrases(table["rules"], lambda rule: rule["steps"])
        # Words each rule cannot fit without (one of each set), to skip rules a text cannot fit.
        self._anchors = {id(rule): self._anchors_of(rule["steps"]) for rule in table["rules"]}
        self._negations = self._phrases(table["negations"], lambda steps: steps)
        self._close = lru_cache(maxsize=65536)(close)

    def _all_phrases(self) -> Iterable[list[dict[str, Any]]]:
        yield from self.table["negations"]
        for rule in self.table["rules"]:
            yield rule["steps"]
            yield from rule["notAfter"]

    def _anchors_of(self, steps: Sequence[dict[str, Any]]) -> list[frozenset[str]]:
        anchors = []
        for step in steps:
            if "gap" in step:
                continue
            options = self._options(step).items
            firsts = frozenset(option[0] for option in options)
            if not any(word.startswith(FUZZY) for word in firsts):
                anchors.append(firsts)
        return anchors

    def _phrases(self, items: Sequence[Any], steps_of: Any) -> _Index:
        return _Index(
            items, [[seq[0] for seq in self._options(steps_of(item)[0]).items] for item in items]
        )

    @staticmethod
    def _choices(options: Sequence[str]) -> _Index:
        sequences = [option.split() for option in options]
        return _Index(sequences, [[seq[0]] for seq in sequences])

    def _options(self, step: dict[str, Any]) -> _Index:
        return self._lists[step["list"]] if "list" in step else self._steps[id(step)]

    def _slip(self, token: str, word: str) -> bool:
        """Whether `token` is the `~word` mistyped (a word the rules know is never a slip)."""
        return token == word or (token not in self._known and self._close(token, word))

    def _same(self, tokens: list[str], option: list[str]) -> bool:
        return len(tokens) == len(option) and all(
            token == word or (word.startswith(FUZZY) and self._slip(token, word[1:]))
            for token, word in zip(tokens, option, strict=True)
        )

    def _fit(
        self, steps: Sequence[dict[str, Any]], tokens: list[str], at: int, done: Any, s: int = 0
    ) -> int:
        """Where a fit of steps[s:] from word `at` ends (exclusive), or -1. `done(end)` says
        whether an end is acceptable; the first acceptable way wins."""
        if s == len(steps):
            return at if done(at) else -1
        step = steps[s]
        if "gap" in step:
            for size in range(step["gap"] + 1):
                if at + size > len(tokens) or BREAK in tokens[at : at + size]:
                    break
                end = self._fit(steps, tokens, at + size, done, s + 1)
                if end >= 0:
                    return end
            return -1
        if at >= len(tokens):
            return -1
        token = tokens[at]
        for option in self._options(step).get(token):
            # The index matched the first word already, unless it is a `~word`.
            if len(option) == 1:
                if option[0] != token and not self._slip(token, option[0][1:]):
                    continue
            elif not self._same(tokens[at : at + len(option)], option):
                continue
            end = self._fit(steps, tokens, at + len(option), done, s + 1)
            if end >= 0:
                return end
        return -1

    def _ends_at(
        self, phrases: Sequence[Sequence[dict[str, Any]]], tokens: list[str], at: int
    ) -> bool:
        """Whether one of `phrases` fits exactly in the words just before word `at`."""
        for steps in phrases:
            for start in range(max(0, at - self._span(steps)), at):
                if self._fit(steps, tokens, start, lambda end: end == at) >= 0:
                    return True
        return False

    def _span(self, steps: Sequence[dict[str, Any]]) -> int:
        """The most words a phrase can cover."""
        return sum(
            step["gap"] if "gap" in step else max(map(len, self._options(step).items))
            for step in steps
        )

    def _negated(self, tokens: list[str]) -> set[int]:
        """Every word a negation ends right before ("not" in "I'm not suicidal" ends before
        "suicidal"): each negation is tried once from each word it can start with."""
        ends: set[int] = set()

        def note(end: int) -> bool:
            ends.add(end)
            return False  # keep looking: every way a negation can end counts

        for start, token in enumerate(tokens):
            for steps in self._negations.get(token):
                self._fit(steps, tokens, start, note)
        return ends

    def find(self, text: str) -> list[Match]:
        """Every rule that fits, in the order of the text (at most one per rule and place)."""
        found = words(text)
        tokens = [word for word, _, _ in found]
        matches: list[Match] = []
        negated: set[int] | None = None
        present = set(tokens)
        viable: dict[int, bool] = {}  # whether a rule's words are all in this text, once each
        for at, token in enumerate(tokens):
            for rule in self._rules.get(token):
                key = id(rule)
                if key not in viable:
                    viable[key] = all(anchor & present for anchor in self._anchors[key])
                if not viable[key]:
                    continue

                def done(end: int, rule: dict[str, Any] = rule) -> bool:
                    return (tokens[end] if end < len(tokens) else None) not in rule["notNext"]

                end = self._fit(rule["steps"], tokens, at, done)
                if end <= at:
                    continue
                if negated is None:
                    negated = self._negated(tokens)
                if at in negated or self._ends_at(rule["notAfter"], tokens, at):
                    continue
                start_char, end_char = found[at][1], found[end - 1][2]
                kind = rule["kind"]
                matches.append(
                    Match(
                        kind,
                        self.table["kinds"][kind],
                        start_char,
                        end_char,
                        text[start_char:end_char],
                    )
                )
        return matches


def load_rules(language: str = "en", rules_dir: Path = RULES_DIR) -> dict[str, Any]:
    path = rules_dir / f"{language}.yml"
    with path.open(encoding="utf-8") as handle:
        source: dict[str, Any] = yaml.safe_load(handle)
    return source


@cache
def languages(rules_dir: Path = RULES_DIR) -> list[str]:
    """The languages there are rules for: one file each (looked up once per process)."""
    return sorted(path.stem for path in rules_dir.glob("*.yml"))


@cache
def _tables() -> dict[str, Table]:
    return {language: compile_rules(load_rules(language)) for language in languages()}


@cache
def detector(language: str = "en") -> Detector:
    """The detector for a language, compiled once per process from its rules file."""
    tables = _tables()
    known = set().union(*(exact_words(table) for table in tables.values()))
    return Detector(tables[language], known)


def find(text: str) -> list[Match]:
    """Crisis language in any language there are rules for: a Spanish speaker may write on the
    English form, and a family may mix the two."""
    return [match for language in languages() for match in detector(language).find(text)]


def tables_json() -> str:
    """Every language's table, for the page's live check, as compact JSON."""
    return json.dumps(_tables(), separators=(",", ":"), ensure_ascii=False)


def highlight(text: str, matches: Iterable[Match]) -> list[tuple[str, bool]]:
    """The text cut into (piece, matched) pieces, overlapping matches merged, for staff to see
    which words raised the flag."""
    spans: list[list[int]] = []
    for match in sorted(matches, key=lambda m: (m.start, m.end)):
        if spans and match.start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], match.end)
        else:
            spans.append([match.start, match.end])
    pieces, at = [], 0
    for start, end in spans:
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces
