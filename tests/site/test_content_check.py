"""The content check (`make check-content`): each rule fires on a copy with a planted problem, at
the right file and line, and the real content passes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from site_templates import content_check
from tests.helpers.content import add_lines, at, counts, findings, run_check, set_line
from tests.helpers.environment import ROOT

# --- The real content ----------------------------------------------------------------------


def test_the_real_content_passes_with_exit_status_0() -> None:
    """Exactly what `make check-content` runs, on the real project."""
    result = subprocess.run(
        [sys.executable, "-m", "site_templates.content_check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("0 errors, ")
    assert not [f for f in findings(result.stdout) if f["level"] == "error"]


def test_an_unchanged_copy_passes(project_copy: Path) -> None:
    code, report = run_check(project_copy)
    assert code == 0, report
    assert counts(report) == (0, 0), report


# --- Links and anchors ---------------------------------------------------------------------


def test_a_broken_link_is_an_error_on_its_line(project_copy: Path) -> None:
    line = add_lines(project_copy / "content" / "faq.md", "See [this page](no-such-page.md).")
    code, report = run_check(project_copy)
    assert code == 1
    [message] = at(report, "content/faq.md", line)
    assert "no-such-page.md" in message and message.endswith("[broken-link]")


def test_a_broken_anchor_is_an_error_on_its_line(project_copy: Path) -> None:
    page = project_copy / "content" / "guide" / "after-iop.md"
    line = add_lines(page, "See [costs](../insurance.md#no-such-heading).")
    code, report = run_check(project_copy)
    assert code == 1
    [message] = at(report, "content/guide/after-iop.md", line)
    assert "../insurance.md#no-such-heading" in message and "[broken-link]" in message


def test_a_repeated_broken_link_is_reported_on_each_line(project_copy: Path) -> None:
    page = project_copy / "content" / "families.md"
    first = add_lines(page, "See [this](gone.md).")
    second = add_lines(page, "Or [that](gone.md).")
    _, report = run_check(project_copy)
    assert at(report, "content/families.md", first) and at(report, "content/families.md", second)


def test_a_nav_entry_without_a_page_and_a_page_without_a_nav_entry(project_copy: Path) -> None:
    config = project_copy / "mkdocs.yml"
    config.write_text(
        config.read_text().replace(
            "  - Crisis help: crisis.md\n", "  - Crisis help: crisis.md\n  - Parking: parking.md\n"
        )
    )
    nav_line = config.read_text().split("\n").index("  - Parking: parking.md") + 1
    shutil.copy(project_copy / "content" / "families.md", project_copy / "content" / "orphan.md")
    code, report = run_check(project_copy)
    assert code == 1
    assert any("parking.md" in m for m in at(report, "mkdocs.yml", nav_line))
    assert any("not in the navigation" in m for m in at(report, "content/orphan.md", 1))


def test_a_mistyped_macro_is_an_error_on_its_line_not_a_traceback(project_copy: Path) -> None:
    line = add_lines(project_copy / "content" / "faq.md", "Call {{ clinic.phon }} today.")
    code, report = run_check(project_copy)
    assert code == 1
    [message] = at(report, "content/faq.md", line)
    assert "phon" in message and "[build]" in message
    assert "Traceback" not in report


# --- Front matter --------------------------------------------------------------------------


def test_a_yaml_mistake_names_the_line_and_the_fix(project_copy: Path) -> None:
    page = project_copy / "content" / "insurance.md"
    line = set_line(page, "title:", "title: Costs: what to expect")
    code, report = run_check(project_copy)
    assert code == 1
    [message] = at(report, "content/insurance.md", line)
    assert "put quotes around text that contains a colon" in message
    assert "Traceback" not in report and "mapping values" not in report


def test_other_yaml_mistakes_get_plain_hints(project_copy: Path) -> None:
    content = project_copy / "content"
    cases = {  # page: (the line to replace, what an editor typed, words the hint must use)
        "insurance.md": ("description:", 'description: "An unclosed quote', "quotation"),
        "crisis.md": ("description:", "description:\tTabs instead of spaces", "tab"),
        "families.md": ("reviewer:", "reviewer Clinical director", "a name, a colon and a value"),
    }
    lines = {name: set_line(content / name, old, new) for name, (old, new, _) in cases.items()}
    code, report = run_check(project_copy)
    assert code == 1
    for name, (_, _, hint) in cases.items():
        [message] = at(report, f"content/{name}", lines[name])
        assert hint in message, message


def test_a_missing_front_matter_line_is_an_error(project_copy: Path) -> None:
    page = project_copy / "content" / "families.md"
    page.write_text(re.sub(r"^reviewer:.*\n", "", page.read_text(), flags=re.MULTILINE))
    closing = page.read_text().split("\n").index("---", 1) + 1
    code, report = run_check(project_copy)
    assert code == 1
    [message] = at(report, "content/families.md", closing)
    assert "`reviewer:`" in message and "[front-matter]" in message


def test_a_page_without_front_matter_is_an_error(project_copy: Path) -> None:
    page = project_copy / "content" / "privacy.md"
    page.write_text(page.read_text().split("---\n", 2)[2])
    code, report = run_check(project_copy)
    assert code == 1
    assert any("no front matter" in m for m in at(report, "content/privacy.md", 1))


def test_a_description_outside_50_to_160_characters_is_an_error(project_copy: Path) -> None:
    content = project_copy / "content"
    short = set_line(content / "crisis.md", "description:", "description: Too short.")
    long = set_line(content / "faq.md", "description:", "description: " + "Long words. " * 15)
    code, report = run_check(project_copy)
    assert code == 1
    for path, line in (("content/crisis.md", short), ("content/faq.md", long)):
        [message] = at(report, path, line)
        assert "50 to 160" in message


def test_a_bad_review_date_is_an_error(project_copy: Path) -> None:
    cases = {
        "get-started.md": ('"2026-11-20"', "without quotes"),
        "crisis.md": ("last week", "year-month-day"),
        "faq.md": ("2999-01-01", "future"),
    }
    content = project_copy / "content"
    lines = {
        name: set_line(content / name, "reviewed:", f"reviewed: {value}")
        for name, (value, _) in cases.items()
    }
    code, report = run_check(project_copy)
    assert code == 1
    for name, (_, hint) in cases.items():
        [message] = at(report, f"content/{name}", lines[name])
        assert hint in message
    assert "could not be built" not in report  # the front matter finding already says why


def test_a_review_older_than_12_months_is_only_a_warning(project_copy: Path) -> None:
    page = project_copy / "content" / "families.md"
    line = set_line(page, "reviewed:", "reviewed: 2025-11-01")
    code, report = run_check(project_copy, "--today", "2026-12-01")
    assert code == 0, report
    [message] = at(report, "content/families.md", line, "warning")
    assert "2025-11-01" in message and "[review-date]" in message
    assert counts(report) == (0, 1), report
    # Exactly 12 months is not yet too old.
    set_line(page, "reviewed:", "reviewed: 2025-12-01")
    _, report = run_check(project_copy, "--today", "2026-12-01")
    assert counts(report) == (0, 0), report


def test_a_faq_heading_that_is_not_a_question_is_an_error(project_copy: Path) -> None:
    page = project_copy / "content" / "faq.md"
    statement = add_lines(page, "## Parking\n\nThere is a lot behind the building.")
    smaller = add_lines(page, "### Is it free?\n\nYes.")
    code, report = run_check(project_copy)
    assert code == 1
    assert any("not a question" in m for m in at(report, "content/faq.md", statement))
    assert any("[faq-heading]" in m for m in at(report, "content/faq.md", smaller))


# --- Images --------------------------------------------------------------------------------


def test_images_without_alt_text_are_errors(project_copy: Path) -> None:
    images = project_copy / "content" / "images"
    images.mkdir()
    (images / "room.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    page = project_copy / "content" / "families.md"
    markdown = add_lines(page, "![](images/room.png)")
    html = add_lines(page, '<img src="../images/room.png">')
    empty = add_lines(page, '<img src="../images/room.png" alt="">')
    described = add_lines(page, "![Chairs in a circle](images/room.png)")
    code, report = run_check(project_copy)
    assert code == 1
    for line in (markdown, html, empty):
        [message] = at(report, "content/families.md", line)
        assert "alt text" in message and "[alt-text]" in message
    assert not at(report, "content/families.md", described)


# --- Facts typed into a page ---------------------------------------------------------------


def test_the_clinic_phone_typed_in_any_format_is_an_error(project_copy: Path) -> None:
    page = project_copy / "content" / "get-started.md"
    formats = ["314-388-2225", "(314) 388-2225", "314.388.2225", "314 388 2225", "+1 314 388 2225"]
    lines = [add_lines(page, f"Call us at {typed} today.") for typed in formats]
    code, report = run_check(project_copy)
    assert code == 1
    for line in lines:
        [message] = at(report, "content/get-started.md", line)
        assert "{{ phone_link() }}" in message and "{{ clinic.phone }}" in message


def test_the_clinic_phone_follows_clinic_yml(project_copy: Path) -> None:
    facts = project_copy / "clinic.yml"
    facts.write_text(facts.read_text().replace('phone: "314-388-2225"', 'phone: "636-555-0199"'))
    line = add_lines(project_copy / "content" / "faq.md", "Call 636 555 0199.")
    _, report = run_check(project_copy)
    assert any("clinic's phone number" in m for m in at(report, "content/faq.md", line))


def test_any_us_phone_number_is_an_error(project_copy: Path) -> None:
    line = add_lines(project_copy / "content" / "crisis.md", "Or call 1-800-273-8255.")
    code, report = run_check(project_copy)
    assert code == 1
    [message] = at(report, "content/crisis.md", line)
    assert "phone number" in message and "[typed-fact]" in message


def test_crisis_numbers_typed_in_are_errors_but_not_inside_other_numbers(
    project_copy: Path,
) -> None:
    page = project_copy / "content" / "crisis.md"
    lifeline = add_lines(page, "Call 988 any time.")
    emergency = add_lines(page, "In danger? Dial 911.")
    harmless = add_lines(page, "It costs $9880 and 9119 people, see 988lifeline.org.")
    code, report = run_check(project_copy)
    assert code == 1
    [message] = at(report, "content/crisis.md", lifeline)
    assert "{{ clinic.crisis.lifeline_number }}" in message
    [message] = at(report, "content/crisis.md", emergency)
    assert "{{ clinic.crisis.emergency_number }}" in message
    assert not at(report, "content/crisis.md", harmless)


def test_insurer_names_typed_in_are_errors(project_copy: Path) -> None:
    page = project_copy / "content" / "insurance.md"
    line = add_lines(page, "We also take Blue Cross Blue Shield and aetna.")
    code, report = run_check(project_copy)
    assert code == 1
    messages = at(report, "content/insurance.md", line)
    assert len(messages) == 2
    assert any("clinic.insurance.out_of_network" in m for m in messages)
    assert any("clinic.insurance.in_network" in m for m in messages)


def test_facts_written_as_variables_are_fine(project_copy: Path) -> None:
    add_lines(
        project_copy / "content" / "faq.md",
        "Call {{ phone_link() }} or {{ clinic.phone }}; we take "
        "{{ clinic.insurance.in_network | join(', ') }}. Crisis: {{ clinic.crisis.lifeline_number }}.",
    )
    code, report = run_check(project_copy)
    assert code == 0, report


# --- Promise words and reading grade -------------------------------------------------------


def test_promise_words_are_errors_whole_words_any_case(project_copy: Path) -> None:
    page = project_copy / "content" / "families.md"
    cure = add_lines(page, "This program will CURE your anxiety.")
    phrase = add_lines(page, "It is a permanent\nfix, guaranteed.")
    secure = add_lines(page, "Your data is secure, and treatment can help.")
    code, report = run_check(project_copy)
    assert code == 1
    assert any('"CURE"' in m and "[promise]" in m for m in at(report, "content/families.md", cure))
    found = " ".join(
        at(report, "content/families.md", phrase) + at(report, "content/families.md", phrase + 1)
    )
    assert '"permanent fix"' in found and '"guaranteed"' in found
    assert not at(report, "content/families.md", secure)


def test_editors_can_extend_the_promise_words(project_copy: Path) -> None:
    rules = project_copy / "content_rules.yml"
    shutil.copy(ROOT / "content_rules.yml", rules)
    rules.write_text(rules.read_text() + "  - life-changing\n")
    line = add_lines(project_copy / "content" / "index.md", "A life-changing program.")
    code, report = run_check(project_copy)
    assert code == 1
    assert any('"life-changing"' in m for m in at(report, "content/index.md", line))


def test_a_hard_page_is_a_warning_with_its_three_hardest_sentences(project_copy: Path) -> None:
    page = project_copy / "content" / "guide" / "levels-of-care.md"
    hard = [
        "Notwithstanding considerable methodological heterogeneity, multidisciplinary "
        "interventions demonstrably facilitate symptomatological amelioration.",
        "Comprehensive psychotherapeutic programming necessitates individualized "
        "conceptualization of interpersonal vulnerabilities.",
        "Pharmacological optimization complements evidence-based psychoeducational "
        "interventions administered collaboratively.",
    ]
    lines = [add_lines(page, sentence) for sentence in hard]
    for _ in range(3):  # enough hard sentences to pull the whole page above grade 8
        for sentence in hard:
            add_lines(page, sentence)
    code, report = run_check(project_copy)
    assert code == 0, report  # a warning never fails the check
    heading = page.read_text().split("\n").index("# Levels of care") + 1
    [message] = at(report, "content/guide/levels-of-care.md", heading, "warning")
    assert "reading grade" in message and "[reading-grade]" in message
    block = report.split(message, 1)[1].split("\n\n", 1)[0]
    listed = [ln.strip() for ln in block.strip().splitlines()]
    assert len(listed) == 3
    for line, sentence in zip(lines, hard, strict=True):
        assert any(f"line {line}," in entry and sentence in entry for entry in listed)


# --- The report ----------------------------------------------------------------------------


def test_the_report_groups_findings_by_file_and_ends_with_a_count(project_copy: Path) -> None:
    add_lines(project_copy / "content" / "faq.md", "A miracle.")
    add_lines(project_copy / "content" / "crisis.md", "Call 911. A miracle.")
    set_line(project_copy / "content" / "families.md", "reviewed:", "reviewed: 2020-01-01")
    code, report = run_check(project_copy)
    assert code == 1
    paths = [f["path"] for f in findings(report)]
    assert paths == sorted(paths)  # grouped: each file's findings together
    assert re.fullmatch(r"3 errors, \d+ warnings", report.strip().splitlines()[-1])
    # Besides the old review: unreviewed Spanish pages, and the two whose English just changed.
    assert counts(report, ("translation-review", "translation-stale")) == (3, 1)


def test_a_broken_clinic_yml_is_a_finding_not_a_traceback(project_copy: Path) -> None:
    line = set_line(project_copy / "clinic.yml", "accreditation:", "accreditation: CARF: yes")
    code, report = run_check(project_copy)
    assert code == 1
    assert at(report, "clinic.yml", line)
    assert "Traceback" not in report


def test_the_build_is_cached_until_something_changes(
    project_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checker = content_check
    builds: list[Path] = []
    real_build = checker.run_build

    def counting_build(root: Path) -> tuple[int, str]:
        builds.append(root)
        return real_build(root)

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    monkeypatch.setattr(checker, "run_build", counting_build)
    line = add_lines(project_copy / "content" / "faq.md", "See [x](gone.md).")
    first = checker.check(project_copy, checker.dt.date.today())
    second = checker.check(project_copy, checker.dt.date.today())
    assert len(builds) == 1 and first == second
    assert any(f.line == line and f.rule == "broken-link" for f in second)
    add_lines(project_copy / "content" / "faq.md", "More words.")
    checker.check(project_copy, checker.dt.date.today())
    assert len(builds) == 2
