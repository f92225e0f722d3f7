"""Valid HTML, by the W3C Nu HTML Checker (vnu.jar, pinned in vnu/package-lock.json and installed
by `make vnu`): every built page in English and Spanish, and every state of the public forms as
the service renders them (empty, with errors, with crisis help, after a timed-out token, and the
confirmations), checked in ONE run of the checker, because starting Java is the slow part.

Errors in the project's own markup fail. Errors that mkdocs-material itself writes into every
page are allowed one by one below, each with the reason, and listed in docs/checks.md; an
allowance that no page needs any more fails too, so the list cannot quietly outlive the bug."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.helpers.app import make_app
from tests.helpers.environment import ROOT, need
from tests.helpers.forms import ASSESSMENT, CONSULTATION, hidden_fields, submit
from tests.helpers.site import built_pages

VNU_JAR = ROOT / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
DOCS = ROOT / "docs" / "checks.md"
LANGUAGES = {"en": "", "es": "/es"}
CRISIS_WORDS = {"en": "I want to end my life", "es": "ya no quiero vivir"}
# A document with an error of our own making (the one the consultation form once had): proof,
# from the same run as the real pages, that the checker ran and its report is read.
CANARY = "canary.html"
CANARY_HTML = (
    '<!doctype html><html lang="en"><title>Canary</title>'
    '<select name="s" aria-label="s" required><option value="any">Any</option></select></html>\n'
)
CANARY_ERROR = "The first “option” element in a “select” element with a “required” attribute"


@dataclass(frozen=True)
class ThemeError:
    """An error that mkdocs-material's own templates write, allowed where its markup matches."""

    message: str  # how vnu's message starts
    markup: str  # a piece of the markup vnu points at
    reason: str


THEME_ERRORS = (
    ThemeError(
        "Bad value “” for attribute “tabindex” on element “label”",
        'class="md-nav__link',
        'partials/nav-item.html writes tabindex="" on the label of a navigation section that is '
        "always open (navigation.sections), meaning 'not focusable'; browsers ignore the empty "
        "value, so the label is no Tab stop, as the theme intends.",
    ),
    ThemeError(
        "Attribute “autocomplete” is only allowed when the input type is",
        'class="md-toggle"',
        "base.html's hidden checkboxes that open the menu drawer and search carry "
        'autocomplete="off" so that Firefox does not reopen them on Back; the attribute is not '
        "allowed on checkboxes but does no harm.",
    ),
    ThemeError(
        "The value of the “for” attribute of the “label” element must be the ID of a non-hidden",
        'for="__toc"',
        "partials/toc.html titles the table of contents with a label for the __toc checkbox, "
        "which partials/nav-item.html writes only on pages that are not a section's index "
        "(navigation.indexes): on the guide's first page the label points at nothing.",
    ),
)


# The sample request for someone under 18 on Medicare, so the confirmation shows both notes.
CONSULTATION_WITH_NOTES = {
    **CONSULTATION,
    "age_group": "under_18",
    "insurance": "medicare_medicaid",
}


def render_form_states(site: Path, database: Path, out: Path) -> list[Path]:
    """Every state of the public forms in each language, written to `out` as served."""
    app = make_app(site, f"sqlite:///{database}")
    pages: dict[str, str] = {}

    def keep(name: str, response: Any, status: int, shows: str) -> None:
        """A state, once it is sure to be the one named (its status and a telling piece)."""
        assert response.status_code == status, (name, response.status_code)
        assert shows in response.text, (name, shows)
        pages[name] = response.text

    crisis_shown = '<div class="intake-crisis__box">'
    for language, prefix in LANGUAGES.items():
        crisis = CRISIS_WORDS[language]
        client = app.test_client()
        consultation, assessment = f"{prefix}/consultation/", f"{prefix}/assessment/"
        received = f"{prefix}/received/"
        keep(f"{language}-consultation-empty", client.get(consultation), 200, "intake-form")
        errors = submit(client, consultation, {})
        keep(f"{language}-consultation-errors", errors, 422, 'id="error-summary"')
        errors = submit(client, consultation, {"message": crisis})
        keep(f"{language}-consultation-errors-crisis", errors, 422, crisis_shown)
        tokens = hidden_fields(client.get(consultation))
        tokens.pop("csrf_token")
        expired = client.post(consultation, data={**tokens, **CONSULTATION_WITH_NOTES})
        keep(f"{language}-consultation-token-expired", expired, 400, "intake-notice--token")
        assert submit(client, consultation, CONSULTATION_WITH_NOTES).status_code == 303
        keep(f"{language}-consultation-received", client.get(received), 200, "intake-younger")
        keep(f"{language}-assessment-empty", client.get(assessment), 200, "intake-form")
        errors = submit(client, assessment, {"strengths": crisis})
        keep(f"{language}-assessment-errors", errors, 422, crisis_shown)
        assert submit(client, assessment, {**ASSESSMENT, "barriers": crisis}).status_code == 303
        keep(f"{language}-assessment-received-urgent", client.get(received), 200, crisis_shown)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, html in pages.items():
        path = out / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        written.append(path)
    return written


@dataclass
class Finding:
    """One error vnu reported: the file, the line, the message and the markup it points at."""

    file: str
    line: int
    message: str
    markup: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}\n    {self.markup}"

    def allowance(self) -> ThemeError | None:
        for allowed in THEME_ERRORS:
            if self.message.startswith(allowed.message) and allowed.markup in self.markup:
                return allowed
        return None


@dataclass
class Run:
    """One run of vnu over every document: what it found, and what it was given."""

    errors: list[Finding]
    documents: list[str]


def run_vnu(documents: dict[str, Path]) -> Run:
    """Check every document in one run of vnu; errors only (its info and warnings are left
    out). A document vnu could not read counts as an error too."""
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--stdout"]
        + [str(path) for path in documents.values()],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    names = {str(path.resolve()): name for name, path in documents.items()}
    errors = []
    for message in json.loads(result.stdout)["messages"]:
        if message["type"] not in ("error", "non-document-error"):
            continue
        url = message.get("url", "")
        name = names.get(str(Path(unquote(urlsplit(url).path)).resolve()), url)
        start, length = message.get("hiliteStart", 0), message.get("hiliteLength", 0)
        extract = message.get("extract", "")
        errors.append(
            Finding(
                name,
                message.get("lastLine", 0),
                message["message"],
                (extract[start : start + length] if length else extract).strip(),
            )
        )
    return Run(errors, list(documents))


@pytest.fixture(scope="module")
def vnu_run(site_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    need(
        shutil.which("java") is not None,
        "Java 17 or newer is needed for vnu (apt-get install default-jre-headless)",
    )
    need(VNU_JAR.is_file(), f"{VNU_JAR.relative_to(ROOT)} is missing: run `make vnu`")
    work = tmp_path_factory.mktemp("vnu")
    documents = {page.relative_to(site_dir).as_posix(): page for page in built_pages(site_dir)}
    for path in render_form_states(site_dir, work / "intake.sqlite3", work / "forms"):
        documents[f"form state {path.stem}"] = path
    (work / CANARY).write_text(CANARY_HTML, encoding="utf-8")
    documents[CANARY] = work / CANARY
    return run_vnu(documents)


def test_the_checker_ran_over_every_page_and_form_state(vnu_run: Run) -> None:
    documents = set(vnu_run.documents)
    for page in ("index.html", "es/index.html", "faq/index.html", "es/faq/index.html", "404.html"):
        assert page in documents
    assert sum(name.startswith("form state ") for name in documents) == 8 * len(LANGUAGES)
    canary = [e.message for e in vnu_run.errors if e.file == CANARY]
    assert len(canary) == 1 and canary[0].startswith(CANARY_ERROR), canary


def test_the_project_markup_has_no_html_errors(vnu_run: Run) -> None:
    ours = [e for e in vnu_run.errors if e.file != CANARY and e.allowance() is None]
    assert not ours, f"{len(ours)} HTML errors:\n" + "\n".join(map(str, ours))


def test_every_allowed_theme_error_still_happens_and_is_documented(vnu_run: Run) -> None:
    used = {e.allowance() for e in vnu_run.errors}
    stale = [a.message for a in THEME_ERRORS if a not in used]
    assert not stale, (
        f"the theme no longer makes these errors, remove them here and in docs: {stale}"
    )
    docs = DOCS.read_text(encoding="utf-8")
    assert all(a.markup in docs and a.message in docs for a in THEME_ERRORS)
