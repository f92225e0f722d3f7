"""The queue as CSV: metadata for everyone with the export right, contacts only when asked for.
Times are ISO 8601 in the clinic's zone with its offset ("2026-11-25T18:05:00-06:00").

Cells are neutralised against formula injection (OWASP "CSV Injection"): a cell starting with
= + - @ tab or carriage return gets a leading single quote, every cell is quoted, and quotes are
doubled. What a person cannot see does not hide a formula: control characters are dropped, and
the check looks past zero-width and other invisible characters and spaces (`\u200b=1+1`). A name
typed into a public form must never run as a formula on a staff computer.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable

from ..clinic import clinic_isoformat
from ..intake.text import without_controls
from ..storage import ExportRow

QUEUE_COLUMNS = (
    "reference",
    "kind",
    "received_at",
    "status",
    "outcome",
    "urgent",
    "assignee_email",
)
CONTACT_COLUMNS = ("contact_name", "contact_phone", "contact_email", "age_group")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The full-width forms some spreadsheets also read as the start of a formula.
WIDE_TRIGGERS = ("\uff1d", "\uff0b", "\uff0d", "\uff20")
# Unicode categories nobody sees: format characters (zero-width space, joiners, the BOM...)
# and spaces of every width.
INVISIBLE = ("Cf", "Zs", "Zl", "Zp")
# Excel reads a CSV as UTF-8 only when it starts with a byte order mark.
BOM = "\ufeff"


def safe_cell(value: object) -> str:
    """A value as CSV cell text that no spreadsheet will evaluate."""
    text = without_controls("" if value is None else str(value), multiline=True)
    first_seen = next((c for c in text if unicodedata.category(c) not in INVISIBLE), "")
    if text.startswith(FORMULA_TRIGGERS) or first_seen in FORMULA_TRIGGERS + WIDE_TRIGGERS:
        return "'" + text
    return text


def _cells(row: ExportRow, contacts: bool) -> list[str]:
    cells: list[object] = [
        row.reference,
        row.kind,
        clinic_isoformat(row.received_at),
        row.status,
        row.outcome,
        "yes" if row.urgent else "no",
        row.assignee_email,
    ]
    if contacts:
        contact = row.contact
        cells += (
            [contact.name, contact.phone, contact.email, contact.age_group]
            if contact
            else ["", "", "", ""]
        )
    return [safe_cell(cell) for cell in cells]


def queue_csv(rows: Iterable[ExportRow], *, contacts: bool = False) -> tuple[str, int]:
    """(CSV text, number of data rows). Contact columns appear only when asked for."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(QUEUE_COLUMNS + (CONTACT_COLUMNS if contacts else ()))
    count = 0
    for row in rows:
        writer.writerow(_cells(row, contacts))
        count += 1
    return out.getvalue(), count
