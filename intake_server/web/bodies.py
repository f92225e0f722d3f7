"""Every form of the service takes form fields, and nothing else.

Flask-WTF reads uploaded files and JSON bodies into a form as if they were fields, where they
break the checks (a file is not text; `1` is not a mapping) and answer 500. No page of the
service takes a file or JSON, so such a request is refused before any view, CSRF check or rate
limit sees it: 415 for a body that is not a form, 400 for a form that carries a file. Both answer
with a page that says what happened and gives the phone number (errors.py).
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class FilesRefused(BadRequest):
    """A form post that carries a file: no form of the service asks for one."""


def form_fields_only() -> None:
    if request.method not in WITH_BODY:
        return
    if request.mimetype in FORM_TYPES:
        if request.files:
            raise FilesRefused()
    elif request.get_data(cache=True):
        raise UnsupportedMediaType()


def refuse_other_bodies(app: Flask) -> None:
    """Run the check first of all, before the global CSRF check reads the body as a form."""
    app.before_request_funcs.setdefault(None, []).insert(0, form_fields_only)
