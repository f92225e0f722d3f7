"""The labelled crisis-language corpus (tests/data/crisis_language/), in English and Spanish,
and the figures it gives: recall on crisis lines and the false-positive rate on routine lines,
per split. The tests hold
the detector to targets with these; `python -m bench.crisis` prints them for the docs."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "crisis_language"
# Each language's splits: the one the rules are tuned on, and the held-out one, never tuned on.
LANGUAGE_SPLITS = {
    "en": ("development", "held_out"),
    "es": ("es_development", "es_held_out"),
}
SPLITS = tuple(split for pair in LANGUAGE_SPLITS.values() for split in pair)
HELD_OUT = tuple(pair[1] for pair in LANGUAGE_SPLITS.values())


@dataclass(frozen=True)
class Line:
    number: int
    label: str
    person: str
    kind: str
    text: str


@dataclass
class Figures:
    split: str
    crisis: int = 0
    caught: int = 0
    routine: int = 0
    flagged: int = 0
    missed: list[Line] = field(default_factory=list)
    false_alarms: list[Line] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.caught / self.crisis if self.crisis else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.flagged / self.routine if self.routine else 0.0


def read_split(split: str, folder: Path = CORPUS) -> list[Line]:
    """One split's lines; `#` lines are comments."""
    path = folder / f"{split}.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            (number, row)
            for number, row in enumerate(csv.reader(handle, delimiter="\t"), 1)
            if row and not row[0].startswith("#")
        ]
    header, *data = rows
    assert header[1] == ["label", "person", "kind", "text"], f"{path}: unexpected header"
    return [Line(number, *row) for number, row in data]


def measure(
    split: str, flags: Callable[[str], bool], lines: Iterable[Line] | None = None
) -> Figures:
    figures = Figures(split)
    for line in lines if lines is not None else read_split(split):
        flagged = flags(line.text)
        if line.label == "crisis":
            figures.crisis += 1
            figures.caught += flagged
            if not flagged:
                figures.missed.append(line)
        else:
            figures.routine += 1
            figures.flagged += flagged
            if flagged:
                figures.false_alarms.append(line)
    return figures
