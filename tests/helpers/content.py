"""The content check (`make check-content`) run in this process on a project, and its report
read back: findings by file, line and level; and the edits tests make to plant a problem."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from site_templates import content_check

FINDING = re.compile(r"^(?P<path>\S+):(?P<line>\d+): (?P<level>error|warning): (?P<message>.*)$")


def run_check(root: Path, *args: str) -> tuple[int, str]:
    """Run the check on a project the way `make check-content` does; (exit status, report)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = content_check.main(["--root", str(root), "--no-cache", *args])
    return code, out.getvalue()


def findings(report: str) -> list[dict[str, str]]:
    return [m.groupdict() for line in report.splitlines() if (m := FINDING.match(line))]


def counts(report: str, ignore: tuple[str, ...] = ("translation-review",)) -> tuple[int, int]:
    """(errors, warnings) in a report, leaving out the rules named in `ignore`: every Spanish page
    warns until a fluent clinician has read it, which says nothing about the change under test."""
    kept = [
        f for f in findings(report) if not f["message"].endswith(tuple(f"[{r}]" for r in ignore))
    ]
    errors = sum(f["level"] == "error" for f in kept)
    return errors, len(kept) - errors


def at(report: str, path: str, line: int, level: str = "error") -> list[str]:
    """The messages reported for one file and line at one level."""
    return [
        f["message"]
        for f in findings(report)
        if f["path"] == path and f["line"] == str(line) and f["level"] == level
    ]


def add_lines(page: Path, text: str) -> int:
    """Append a paragraph to a page; returns the line it starts on."""
    body = page.read_text().rstrip("\n") + "\n\n"
    page.write_text(body + text + "\n")
    return body.count("\n") + 1


def set_line(page: Path, start: str, new: str) -> int:
    """Replace the line that starts with `start`; returns its line number."""
    lines = page.read_text().split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith(start))
    lines[number] = new
    page.write_text("\n".join(lines))
    return number + 1
