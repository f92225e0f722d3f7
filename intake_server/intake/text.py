"""Text people type, made safe to keep: no control characters.

A browser never sends NUL, ESC or the other control characters from a form, but a script can,
and they do harm downstream: FHIR strings forbid them, PostgreSQL refuses NUL, a terminal obeys
ESC. So every text field of every form drops them as it reads the post (`PlainTextForm`), keeping
only tab and line breaks in the answers written over several lines; `without_controls` does the
same for the few values read outside a form and for what was stored before this rule.
"""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

# Category Cc: C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F).
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# On one line, a tab or a line break is a space (a pasted name can carry one).
_LINE_BREAKS = re.compile(r"[\t\r\n]")


def without_controls(text: str, *, multiline: bool = False) -> str:
    """`text` without control characters; with `multiline`, tab and line breaks stay."""
    if multiline:
        return _CONTROLS_BUT_LINES.sub("", text)
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text))


def _single_line(value: Any) -> Any:
    return without_controls(value) if isinstance(value, str) else value


def _multiline(value: Any) -> Any:
    return without_controls(value, multiline=True) if isinstance(value, str) else value


class PlainTextForm(FlaskForm):
    """A form whose text fields (and the entries of lists of them) drop control characters
    before any other filter or check sees the value. Passwords are left exactly as typed."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                clean = _multiline if issubclass(field_class, TextAreaField) else _single_line
                options = {**options, "filters": [clean, *unbound_field.kwargs.get("filters", ())]}
            return super().bind_field(form, unbound_field, options)
