"""The queue as CSV: metadata only unless contacts are asked for, every cell safe to open in a
spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest

from intake_server.exports.csv import CONTACT_COLUMNS, QUEUE_COLUMNS, queue_csv, safe_cell
from intake_server.intake.forms import AssessmentForm, ConsultationForm
from intake_server.storage import ExportReader, SubmissionStore, utc_now
from tests.helpers.forms import ASSESSMENT, CONSULTATION, CONSULTATION_FOR_SELF, form_payload
from tests.helpers.staff import staff_member
from tests.helpers.storage import KEYRING, change, store_submission

FAMILY = {
    **CONSULTATION,
    "requester_name": '=HYPERLINK("http://evil.example","x")',
    "email": "maria@example.org",
}


def parse_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # so Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+13145550142", "'+13145550142"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("\x00=1+1", "'=1+1"),
        ("\x1b=1+1", "'=1+1"),
        ("\x1b[31m=1", "[31m=1"),
        ("\u200b=1+1", "'\u200b=1+1"),
        ("\ufeff\u2060 @SUM(A1)", "'\ufeff\u2060 @SUM(A1)"),
        ("\u00a0\u3000-2+3", "'\u00a0\u3000-2+3"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("Pat\x00 Example", "Pat Example"),
        ("line one\nline two", "line one\nline two"),
        ("Pat Example", "Pat Example"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
    ],
)
def test_cells_that_a_spreadsheet_would_evaluate_are_neutralised(value: Any, cell: str) -> None:
    assert safe_cell(value) == cell


def test_queue_csv_holds_metadata_only(engine) -> None:
    intake = SubmissionStore(engine, KEYRING)
    family = store_submission(intake, "consultation", form_payload(ConsultationForm, FAMILY))
    assessment = store_submission(
        intake, "assessment", form_payload(AssessmentForm, ASSESSMENT), urgent=True
    )
    ana = staff_member(engine, "ana@clinic.example").id
    change(engine, family, assignee_id=ana, status="closed", outcome="admitted")
    text, count = queue_csv(ExportReader(engine, KEYRING).queue_rows())
    header, *rows = parse_csv(text)
    assert count == 2 and header == list(QUEUE_COLUMNS)
    by_reference = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    first = by_reference[family]
    assert (first["kind"], first["status"], first["outcome"]) == (
        "consultation",
        "closed",
        "admitted",
    )
    assert first["urgent"] == "no" and first["assignee_email"] == "ana@clinic.example"
    assert datetime.fromisoformat(first["received_at"]).tzinfo is not None
    second = by_reference[assessment]
    assert second["urgent"] == "yes" and second["assignee_email"] == "" and second["outcome"] == ""
    for secret in ("HYPERLINK", "555", "maria@", "Sam", "Sleep through", "mother"):
        assert secret not in text
    # Every cell is quoted (OWASP): a separator in a value can never start a new cell.
    assert text.splitlines()[1].startswith('"')


def test_call_list_adds_contacts_neutralised(engine) -> None:
    intake = SubmissionStore(engine, KEYRING)
    family = store_submission(intake, "consultation", form_payload(ConsultationForm, FAMILY))
    own = store_submission(
        intake,
        "consultation",
        form_payload(ConsultationForm, {**CONSULTATION_FOR_SELF, "age_group": "under_18"}),
    )
    assessment = store_submission(intake, "assessment", form_payload(AssessmentForm, ASSESSMENT))
    purged = store_submission(
        intake, "consultation", form_payload(ConsultationForm, CONSULTATION_FOR_SELF)
    )
    change(engine, purged, payload=None, purged_at=utc_now())
    text, count = queue_csv(ExportReader(engine, KEYRING).queue_rows(contacts=True), contacts=True)
    header, *rows = parse_csv(text)
    assert count == 4 and header == list(QUEUE_COLUMNS + CONTACT_COLUMNS)
    contacts = {row[0]: row[-4:] for row in rows}
    assert contacts[family] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'+13145550142",
        "maria@example.org",
        "18_or_over",
    ]
    assert contacts[own] == ["Pat Example", "'+13145550142", "maria@example.org", "under_18"]
    assert contacts[assessment] == ["Sam Example", "'+13145550199", "", ""]
    assert contacts[purged] == ["", "", "", ""]
    # Contact details only: nothing else the person wrote.
    assert "not left his room" not in text and "Sleep through" not in text


def test_times_are_the_clinics_with_the_offset_and_whole_seconds() -> None:
    """2026-11-26 00:30:15.123456 UTC is the evening before in St. Louis (clinic.yml)."""
    from datetime import UTC

    from intake_server.storage import ExportRow

    when = datetime(2026, 11, 26, 0, 30, 15, 123456, tzinfo=UTC)
    row = ExportRow("Q4QG-MJXH", "consultation", when, "new", None, False, None)
    text, _ = queue_csv([row])
    received = dict(zip(*parse_csv(text), strict=True))["received_at"]
    assert received == "2026-11-25T18:30:15-06:00"
