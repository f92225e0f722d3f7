"""The content check's Spanish rules (site_templates/content_check/translations.py): a missing
translation and a link into the other language fail; an unreviewed or out-of-date translation
warns, at the right file and line; and --stamp records that a Spanish page matches again."""

from __future__ import annotations

from pathlib import Path

from site_templates.content_check import translations
from tests.helpers.content import add_lines, at, counts, findings, run_check, set_line


def rule(report: str, name: str) -> list[dict[str, str]]:
    return [f for f in findings(report) if f["message"].endswith(f"[{name}]")]


def test_every_spanish_page_is_listed_until_a_clinician_has_read_it(project_copy: Path) -> None:
    code, report = run_check(project_copy)
    assert code == 0, report
    spanish = sorted(p.relative_to(project_copy).as_posix() for p in project_copy.rglob("*.es.md"))
    listed = sorted(f["path"] for f in rule(report, "translation-review"))
    assert listed == spanish and len(spanish) == 17
    assert all(f["level"] == "warning" for f in rule(report, "translation-review"))
    # Once read, the page drops off the list.
    set_line(
        project_copy / "content" / "faq.es.md",
        "translation_reviewed:",
        "translation_reviewed: true",
    )
    _, report = run_check(project_copy)
    assert "content/faq.es.md" not in {f["path"] for f in rule(report, "translation-review")}


def test_english_without_spanish_and_bad_links_fail_on_their_lines(project_copy: Path) -> None:
    content = project_copy / "content"
    (content / "privacy.es.md").unlink()
    spanish_line = add_lines(content / "families.es.md", 'Vea <a href="/faq/">las preguntas</a>.')
    full_url = add_lines(
        content / "crisis.es.md", "Vea [seguros](https://www.pluralhealthcare.com/insurance/)."
    )
    english_line = add_lines(content / "families.md", 'See <a href="/es/faq/">the questions</a>.')
    fine = add_lines(
        content / "insurance.es.md", "Vea [preguntas](faq.md) y [la guía](guide/index.md)."
    )
    code, report = run_check(project_copy)
    assert code == 1
    [missing] = at(report, "content/privacy.md", 1)
    assert "content/privacy.es.md" in missing and missing.endswith("[translation-missing]")
    [message] = at(report, "content/families.es.md", spanish_line)
    assert "/faq/" in message and message.endswith("[cross-language-link]")
    assert at(report, "content/crisis.es.md", full_url)[0].endswith("[cross-language-link]")
    [message] = at(report, "content/families.md", english_line)
    assert "/es/faq/" in message and message.endswith("[cross-language-link]")
    assert not at(report, "content/insurance.es.md", fine)


def test_a_spanish_page_without_english_fails(project_copy: Path) -> None:
    page = project_copy / "content" / "parking.es.md"
    page.write_text((project_copy / "content" / "faq.es.md").read_text())
    code, report = run_check(project_copy)
    assert code == 1
    [message] = [m for m in at(report, "content/parking.es.md", 1) if "[translation-missing]" in m]
    assert "content/parking.md" in message


def test_a_spanish_page_must_say_whether_it_was_reviewed(project_copy: Path) -> None:
    page = project_copy / "content" / "crisis.es.md"
    page.write_text(page.read_text().replace("translation_reviewed: false\n", ""))
    code, report = run_check(project_copy)
    assert code == 1
    assert any(
        "translation_reviewed: false" in m
        for f in findings(report)
        if f["path"] == "content/crisis.es.md" and (m := f["message"]).endswith("[front-matter]")
    )


def test_changed_english_warns_until_the_spanish_is_stamped(project_copy: Path) -> None:
    content = project_copy / "content"
    # A new review date is not a change to the words.
    set_line(content / "families.md", "reviewed:", "reviewed: 2026-11-25")
    _, report = run_check(project_copy)
    assert not rule(report, "translation-stale"), report
    add_lines(content / "families.md", "Bring a friend to the first call if you like.")
    code, report = run_check(project_copy)
    assert code == 0
    [stale] = rule(report, "translation-stale")
    assert stale["path"] == "content/families.es.md" and stale["level"] == "warning"
    assert "content/families.md has changed" in stale["message"]
    assert counts(report) == (0, 1)
    # After the Spanish is brought up to date, --stamp records it.
    add_lines(
        content / "families.es.md", "Puede traer a alguien de confianza a la primera llamada."
    )
    code, _ = run_check(project_copy, "--stamp", "content/families.es.md")
    assert code == 0
    assert (
        f"english_sha256: {translations.fingerprint(content / 'families.md')}"
        in (content / "families.es.md").read_text()
    )
    _, report = run_check(project_copy)
    assert not rule(report, "translation-stale") and counts(report) == (0, 0)


def test_a_hard_spanish_page_is_a_reading_grade_warning(project_copy: Path) -> None:
    page = project_copy / "content" / "privacy.es.md"
    hard = (
        "La administración institucional correspondiente establecerá, mediante procedimientos "
        "administrativos extraordinariamente complejos, determinadas consideraciones "
        "interdisciplinarias relativas a la confidencialidad terapéutica, independientemente "
        "de las circunstancias socioeconómicas particulares de cada beneficiario."
    )
    text = page.read_text()
    body_start = text.index("\n# ")
    page.write_text(text[:body_start] + "\n# Aviso\n\n" + "\n\n".join([hard] * 30) + "\n")
    code, report = run_check(project_copy)
    assert code == 0
    [grade] = [f for f in rule(report, "reading-grade") if f["path"] == "content/privacy.es.md"]
    assert "Fernandez Huerta reading ease" in grade["message"] and grade["level"] == "warning"
