"""Crisis language: what the detector catches on the labelled corpus, and what it costs per form.

Figures: recall on crisis lines and the false-positive rate on routine lines for each split of
tests/data/crisis_language/, English and Spanish (the held-out splits were written without seeing
the rules and are never used to tune them), then recall by kind and by person. Every text is
checked with the rules of both languages, as the service does.

Cost: the time to check every free-text answer of one form, for forms made of corpus lines (the
assessment's four answers, about 60 words; and a long consultation message of about 400 words),
against a baseline measured in the same run: the rule this issue replaced (one regular expression
of exact first-person phrases, as clinic.yml listed them). The median of --rounds rounds of every
form, after a warm-up round.

    .venv/bin/python -m bench.crisis
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Callable

from bench.report import machine_info, markdown_table, percentile, ratio, say
from intake_server.intake.crisis import find
from testkit.crisis_corpus import LANGUAGE_SPLITS, SPLITS, measure, read_split

# The rule before this detector: clinic.yml's crisis_phrases, matched as exact phrases.
OLD_PHRASES = [
    "suicide", "suicidal", "kill myself", "killing myself", "end my life", "ending my life",
    "take my life", "want to die", "wish i was dead", "wish i were dead", "better off dead",
    "no reason to live", "hurt myself", "hurting myself", "self-harm", "self harm",
    "cutting myself", "overdose",
]  # fmt: skip


def old_rule() -> Callable[[str], bool]:
    phrases = sorted(OLD_PHRASES, key=len, reverse=True)
    pattern = re.compile(
        r"\b(?:"
        + "|".join(r"[\s-]+".join(map(re.escape, re.split(r"[\s-]+", p))) for p in phrases)
        + ")",
        re.IGNORECASE,
    )
    return lambda text: bool(pattern.search(text.replace("\u2019", "'")))


def new_rule() -> Callable[[str], bool]:
    return lambda text: bool(find(text))


def figures_table(flags: Callable[[str], bool], splits: tuple[str, ...] = SPLITS) -> str:
    rows = []
    for split in splits:
        f = measure(split, flags)
        rows.append(
            (
                split.replace("_", "-"),
                f"{f.crisis} / {f.routine}",
                f"{f.recall:.3f} ({f.caught}/{f.crisis})",
                f"{f.false_positive_rate:.3f} ({f.flagged}/{f.routine})",
            )
        )
    return markdown_table(
        ["Split", "Crisis / routine lines", "Recall", "False-positive rate"], rows, "lrrr"
    )


def breakdown_table(flags: Callable[[str], bool]) -> str:
    rows = []
    for split in SPLITS:
        lines = read_split(split)
        groups = sorted({(line.label, line.kind) for line in lines})
        for label, kind in [*groups, ("crisis", "first person"), ("crisis", "third person")]:
            chosen = [
                line
                for line in lines
                if line.label == label and (line.kind == kind or f"{line.person} person" == kind)
            ]
            hit = sum(flags(line.text) for line in chosen)
            measure_name = "caught" if label == "crisis" else "flagged"
            rows.append(
                (split.replace("_", "-"), label, kind, f"{hit}/{len(chosen)} {measure_name}")
            )
    return markdown_table(["Split", "Label", "Kind", "Result"], rows, "lllr")


def forms(seed: int) -> dict[str, list[list[str]]]:
    """Forms made of corpus lines: assessments (four answers) and long consultation messages."""
    rng = random.Random(seed)
    texts = [line.text for split in SPLITS for line in read_split(split)]
    return {
        "assessment (4 answers, ~60 words)": [rng.sample(texts, 4) for _ in range(200)],
        "long message (~400 words)": [[" ".join(rng.sample(texts, 20))] for _ in range(50)],
    }


def per_form(check: Callable[[str], bool], sample: list[list[str]], rounds: int) -> float:
    """Median seconds to check every answer of one form."""
    times = []
    for round_number in range(rounds + 1):
        for answers in sample:
            started = time.perf_counter()
            for text in answers:
                check(text)
            if round_number:  # the first round warms caches up
                times.append(time.perf_counter() - started)
    return percentile(times, 50)


def speed_table(rounds: int, seed: int) -> str:
    old, new = old_rule(), new_rule()
    rows = []
    for name, sample in forms(seed).items():
        before, after = per_form(old, sample, rounds), per_form(new, sample, rounds)
        rows.append(
            (name, f"{before * 1e6:.0f} µs", f"{after * 1e6:.0f} µs", ratio(after, before, 1))
        )
    return markdown_table(
        ["Form", "Old phrase list (baseline)", "Crisis-language detector", "Ratio"], rows, "lrrr"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    say("measuring the corpus...")
    print("## Crisis language\n")
    print(markdown_table(["Machine", ""], machine_info(("lemminflect",)).items()))
    print("\n### The new detector\n")
    print(figures_table(new_rule()))
    print("\n### The rule it replaced (baseline; English only, like the rule)\n")
    print(figures_table(old_rule(), LANGUAGE_SPLITS["en"]))
    print("\n### By kind and person (the new detector)\n")
    print(breakdown_table(new_rule()))
    say("timing...")
    print(f"\n### Time to check one form (median of {args.rounds} rounds)\n")
    print(speed_table(args.rounds, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
