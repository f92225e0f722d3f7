"""Reading ease of Spanish pages (site_templates/content_check/readability.py): Fernandez Huerta,
beside the English Flesch-Kincaid grade, each measured in its own language."""

from __future__ import annotations

import textstat

from site_templates.content_check import readability
from tests.helpers.environment import ROOT

EASY = "Llame hoy. Le ayudamos. Es gratis. No tiene que decidir nada ahora."
HARD = (
    "La implementación interdisciplinaria de intervenciones psicoterapéuticas estructuradas "
    "requiere necesariamente una evaluación diagnóstica exhaustiva, multidimensional y "
    "longitudinal de las características sintomatológicas individuales."
)


def test_easy_spanish_scores_higher_than_hard_spanish() -> None:
    easy, hard = readability.spanish_score(EASY), readability.spanish_score(HARD)
    assert easy >= readability.SPANISH_MIN_SCORE > hard
    assert readability.spanish_grade(easy) <= 8 < readability.spanish_grade(hard)


def test_the_grade_bands_follow_fernandez_huertas_table() -> None:
    assert [readability.spanish_grade(s) for s in (95, 85, 75, 65, 60, 59.9, 40, 10)] == [
        4,
        5,
        6,
        8,
        8,
        10,
        13,
        16,
    ]


def test_measuring_spanish_leaves_the_english_measure_alone() -> None:
    sentence = "The program meets three evenings a week, and you keep living at home."
    before = textstat.flesch_kincaid_grade(sentence)
    readability.spanish_score(HARD)
    assert textstat.flesch_kincaid_grade(sentence) == before


def test_every_spanish_page_is_grade_8_or_below() -> None:
    pages = sorted((ROOT / "content").rglob("*.es.md"))
    assert pages
    scores = {p.name: readability.spanish_score(p.read_text()) for p in pages}
    assert all(score >= readability.SPANISH_MIN_SCORE for score in scores.values()), scores
