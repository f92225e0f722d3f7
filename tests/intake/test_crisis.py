"""Crisis language: the rules' notation, how people and families really write, and the figures
on the labelled corpus (tests/data/crisis_language/), held to the targets on the held-out set."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from intake_server.intake.crisis import (
    Detector,
    RulesError,
    compile_rules,
    detector,
    find,
    highlight,
    languages,
    load_rules,
    words,
)
from testkit.crisis_corpus import HELD_OUT, LANGUAGE_SPLITS, SPLITS, measure, read_split

# Targets, per language: recall at least this, false positives at most: the targets
# (0.95 and 0.10) for both. Spanish held-out set 6 scored 0.951 and 0.041 at its only
# measurement (docs/crisis-detection.md), with one line to spare: a change that loses one more
# Spanish crisis line it used to find fails here.
TARGETS = {"en": (0.95, 0.10), "es": (0.95, 0.10)}


def rules(text: str) -> Detector:
    return Detector(compile_rules(yaml.safe_load(text)))


def found(text: str) -> list[str]:
    return [match.text for match in find(text)]


# --- The notation --------------------------------------------------------------------------


def test_braces_mean_every_form_of_the_word() -> None:
    check = rules(
        "rules: [{kind: k, label: K, phrases: ['{kill} <self>']}]\nlists: {self: [myself]}"
    )
    for text in ("kill myself", "kills myself", "killed myself", "killing myself"):
        assert [m.text for m in check.find(text)] == [text]
    assert check.find("skill myself") == []


def test_slashes_lists_and_gaps() -> None:
    check = rules(
        """
lists: {pills: [pills, sleeping pills]}
rules:
  - kind: k
    label: K
    phrases: ["took/swallowed ... <pills>"]
"""
    )
    assert [m.text for m in check.find("she swallowed all of her sleeping pills")] == [
        "swallowed all of her sleeping pills"
    ]
    assert check.find("took the kids to the park, then pills") == []  # more than three words


def test_a_group_offers_choices_of_several_words() -> None:
    check = rules("rules: [{kind: k, label: K, phrases: ['soy (un estorbo|una carga)']}]")
    assert [m.text for m in check.find("siento que soy una carga")] == ["soy una carga"]
    assert [m.text for m in check.find("soy un estorbo")] == ["soy un estorbo"]
    assert check.find("soy una persona") == []
    with pytest.raises(RulesError, match="an empty choice"):
        compile_rules(yaml.safe_load("rules: [{kind: k, label: K, phrases: ['(a||b) c']}]"))


def test_words_after_and_before_can_cancel_a_phrase() -> None:
    check = rules(
        """
negations: ["i'm not"]
rules:
  - kind: k
    label: K
    not_followed_by: [back]
    phrases:
      - cutting
      - phrase: suicidal
        not_after: [never]
"""
    )
    assert check.find("I started cutting back on coffee") == []
    assert [m.text for m in check.find("she is cutting again")] == ["cutting"]
    assert check.find("I'm not suicidal") == []
    assert check.find("he was never suicidal") == []
    assert [m.text for m in check.find("not sure, maybe suicidal")] == ["suicidal"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("rules: [{kind: k, label: K, phrases: ['<nowhere> x']}]", "there is no list called"),
        ("rules: [{kind: k, label: K, phrases: ['... x']}]", "starts and ends with words"),
        ("rules: [{kind: k, label: K, phrases: [no]}]", "put quotes around the word"),
        ("negations: [off]\nrules: []", "put quotes around the word"),
        ("rules: [{kind: k, label: K, phrases: ['a/<b>']}]", "cannot read 'a/<b>'"),
    ],
)
def test_a_mistake_in_the_rules_is_named(text: str, says: str) -> None:
    """YAML reads a bare no, off or on as true or false: a silent change of word is refused."""
    with pytest.raises(RulesError, match=says):
        compile_rules(yaml.safe_load(text))


def test_positions_are_those_of_the_original_text() -> None:
    text = "\u00c9l dijo: \u201cI\u2019ve started CUTTING again\u201d"
    assert [w for w, _, _ in words(text)][-3:] == ["started", "cutting", "again"]
    matches = detector().find(text)
    assert {text[m.start : m.end] for m in matches} <= {m.text for m in matches}
    assert "CUTTING again" in {m.text for m in matches}


def test_highlight_merges_overlapping_matches() -> None:
    text = "she has been cutting herself"
    pieces = highlight(text, detector().find(text))
    assert "".join(piece for piece, _ in pieces) == text
    assert [piece for piece, marked in pieces if marked] == ["been cutting herself"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_shipped_rules_compile_and_every_kind_has_a_label(language: str) -> None:
    table = compile_rules(load_rules(language))
    assert table["language"] == language
    assert {rule["kind"] for rule in table["rules"]} == set(table["kinds"])
    assert len(table["rules"]) > 80
    assert set(table["kinds"]) >= {
        "suicidal_thoughts",
        "indirect",
        "plan_or_means",
        "attempt",
        "self_harm",
        "youth_words",
    }
    assert languages() == ["en", "es"]


def test_spanish_forms_are_written_out_not_guessed() -> None:
    source = {"language": "es", "rules": [{"kind": "k", "label": "K", "phrases": ["{matar}"]}]}
    with pytest.raises(RulesError, match="list its forms under `forms:`"):
        compile_rules(source)
    source["forms"] = {"matar": ["matarme", "Matarse"]}
    assert [m.text for m in Detector(compile_rules(source)).find("quiere MATARSE")] == ["MATARSE"]


def test_a_word_the_rules_know_is_never_taken_for_a_misspelling() -> None:
    """The Spanish "suicidas" is a slip away from the English "suicidal": without this, the
    English rules (whose negations do not read Spanish) would flag "no tengo pensamientos
    suicidas"."""
    assert found("no tengo pensamientos suicidas") == []
    assert found("tiene pensamientos suicidas") == ["suicidas"]
    assert found("im so sucidal") == ["sucidal"]


# --- How people write ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # The reports from a test with real wording, in which nothing was flagged before.
        "Riley is 15. She told her friend she wants to die and has been cutting herself.",
        "He talks about ending it all",
        "She took too many pills on Saturday",
        "My son tried to kill himself last week",
        "I've started cutting again",
        "Everyone would be better off without me",
        "I'm going to end it tonight",
        "I keep thinking about how to unalive myself",
        # Inflections, persons and words of every kind the issue names.
        "my daughter wanted to die last spring",
        "he overdosed in march",
        "She OD'd twice this year",
        "he hanged himself in the garage but his brother found him in time",
        "My wife has been harming herself",
        "my son burns himself with a lighter",
        "she wishes she never woke up",
        "He gave away his guitar and his games",
        "my partner has pills saved up",
        "she has been researching ways to die",
        "kms",
        "i want to not exist",
        "thinking about sewerslide",
        "im so sucidal",
        "I could killmyself",
        "selfharm again",
        "my son attempted suicide in 2024",
        "Life is not worth living",
        "there is no point in living",
    ],
)
def test_crisis_language_is_found(text: str) -> None:
    assert found(text), text


@pytest.mark.parametrize(
    "text",
    [
        "mi hija dice que se quiere morir y se corta los brazos",
        "mi esposo quiere quitarse la vida",
        "ya no quiero vivir",
        "tengo pastillas guardadas para matarme",
        "mi hijo intentó suicidarse el año pasado",
        "me quiero desvivir",
    ],
)
def test_spanish_crisis_language_is_found(text: str) -> None:
    assert found(text), text


@pytest.mark.parametrize(
    "text",
    [
        "me muero de ganas de empezar",
        "me mata el trabajo",
        "estoy muerta de cansancio",
        "mi abuelita murió el año pasado",
        "quiero cortarme el cabello",
        "no tengo pensamientos suicidas",
    ],
)
def test_spanish_everyday_words_stay_routine(text: str) -> None:
    assert found(text) == [], text


@pytest.mark.parametrize(
    "text",
    [
        "I'm dying to start",
        "just killing time",
        "my job is killing me",
        "I want to cut back on drinking",
        "I had to cut my hours",
        "a killer headache",
        "my grandfather died in May and I miss him",
        "she is grieving her mom",
        "feeling dead tired",
        "I want to take my life back",
        "she is cutting vegetables for dinner",
        "I'm not suicidal, just exhausted",
        "he has never tried to hurt himself",
    ],
)
def test_benign_words_stay_routine(text: str) -> None:
    assert found(text) == [], text


# --- Measured, not hoped --------------------------------------------------------------------


def test_the_corpus_is_large_and_varied_enough_to_measure_with() -> None:
    lines = [line for split in SPLITS for line in read_split(split)]
    assert len(lines) >= 300
    for split in SPLITS:
        kinds = {(line.label, line.person) for line in read_split(split)}
        assert kinds == {
            (label, person) for label in ("crisis", "routine") for person in ("first", "third")
        }
    crisis_kinds = {line.kind for line in lines if line.label == "crisis"}
    assert crisis_kinds == set(compile_rules(load_rules("en"))["kinds"])
    held_out = read_split("held_out")
    assert len(held_out) >= 150
    assert not {line.text for line in held_out} & {line.text for line in read_split("development")}


@pytest.mark.parametrize("split", SPLITS)
def test_recall_and_false_positives_meet_the_targets(split: str) -> None:
    """Recall on crisis lines and the false-positive rate on routine lines. The held-out split
    was written without looking at the rules and is never used to tune them
    (docs/crisis-detection.md); it is held to the targets."""
    language = next(lang for lang, splits in LANGUAGE_SPLITS.items() if split in splits)
    min_recall, max_false_positive_rate = TARGETS[language]
    figures = measure(split, lambda text: bool(find(text)))
    report = (
        f"{split}: recall {figures.recall:.3f} ({figures.caught}/{figures.crisis}), "
        f"false positives {figures.false_positive_rate:.3f} ({figures.flagged}/{figures.routine})"
    )
    assert figures.recall >= min_recall, report
    assert figures.false_positive_rate <= max_false_positive_rate, report


def test_the_figures_would_notice_a_detector_that_flags_nothing_or_everything() -> None:
    nothing = measure(HELD_OUT[0], lambda _: False)
    everything = measure(HELD_OUT[0], lambda _: True)
    assert nothing.recall == 0 and everything.false_positive_rate == 1


def test_the_corpus_files_say_which_split_they_are(tmp_path: Path) -> None:
    from testkit.crisis_corpus import CORPUS

    for split in HELD_OUT:
        head = (CORPUS / f"{split}.tsv").read_text(encoding="utf-8").splitlines()[:5]
        assert any("never" in line.lower() and "tun" in line.lower() for line in head), split
