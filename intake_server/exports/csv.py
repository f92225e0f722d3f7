"""The queue as CSV: metadata for everyone with the export right, contacts only when asked for.

Cells are neutralised against formula injection (OWASP "CSV Injection"): a cell starting with
= + - @ tab or carriage return gets a leading single quote, every cell is quoted, and quotes are
doubled. A name typed into a public form must never run as a formula on a staff computer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

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
CONTACT_COLUMNS = ("contact_name", "contact_phone", "contact_email")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a CSV as UTF-8 only when it starts with a byte order mark.
BOM = "\ufeff"


def safe_cell(value: object) -> str:
    """A value as CSV cell text that no spreadsheet will evaluate."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _cells(row: ExportRow, contacts: bool) -> list[str]:
    cells: list[object] = [
        row.reference,
        row.kind,
        row.received_at.isoformat(),
        row.status,
        row.outcome,
        "yes" if row.urgent else "no",
        row.assignee_email,
    ]
    if contacts:
        contact = row.contact
        cells += [contact.name, contact.phone, contact.email] if contact else ["", "", ""]
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
