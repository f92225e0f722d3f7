"""Accessible errors for any WTForms form, public or staff: which field an error belongs to,
the summary in field order, and the aria attributes that tie a field to its hint and error.
Registered as template globals by the application factory."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm


def field_error(field: Any) -> tuple[str, str] | None:
    """The first error of a field as (id to link to, message); list fields point at the bad entry."""
    if field.type == "FieldList":
        # The list's own messages (translated, so perhaps lazy strings); each entry's are lists.
        for message in field.errors:
            if not isinstance(message, list):
                return field.entries[0].id, message
        for entry in field.entries:
            if entry.errors:
                return entry.id, entry.errors[0]
        return None
    if not field.errors:
        return None
    target = f"{field.id}-0" if field.type in ("RadioField", "CheckboxesField") else field.id
    return target, field.errors[0]


def error_list(form: FlaskForm) -> list[tuple[str, str]]:
    """Errors in the order the fields appear, for the summary at the top of the form."""
    return [err for field in form if field.name != "csrf_token" and (err := field_error(field))]


def described(field: Any) -> dict[str, str]:
    """aria attributes linking a field to its hint and error."""
    ids = [f"{field.id}-hint"] if field.description else []
    attrs = {}
    if field_error(field):
        ids.append(f"{field.id}-error")
        attrs["aria-invalid"] = "true"
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    return attrs
