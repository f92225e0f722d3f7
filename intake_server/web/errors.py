"""The error pages people may meet anywhere on the service, in the site's own dress.

Blueprints answer their own special cases first (the forms' 429 keeps what was typed; the staff
side answers 403 and stale form tokens in its own layout); these handlers answer the rest, in the
language of the address that was asked for (a post to /es/consultation/ is answered in Spanish).
"""

from __future__ import annotations

from flask import Flask, Response, render_template
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from ..clinic import clinic
from .bodies import FilesRefused
from .render import render_page
from .site import not_found_page


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(_: HTTPException) -> Response:
        return not_found_page()

    @app.errorhandler(429)
    def too_many(_: HTTPException) -> Response:
        return problem_page(gettext("Too many requests"), "too_many", 429)

    @app.errorhandler(413)
    def too_large(_: HTTPException) -> Response:
        return problem_page(gettext("That was too much to send"), "too_large", 413)

    @app.errorhandler(415)
    def not_a_form(_: HTTPException) -> Response:
        return problem_page(gettext("We could not read what was sent"), "not_a_form", 415)

    @app.errorhandler(FilesRefused)
    def a_file(_: HTTPException) -> Response:
        return problem_page(gettext("We could not read what was sent"), "not_a_form", 400)

    @app.errorhandler(500)
    def server_error(_: Exception) -> Response:
        return problem_page(gettext("Something went wrong"), "server_error", 500)


def problem_page(title: str, problem: str, status: int) -> Response:
    """A short page saying what went wrong and giving the phone number, in the site's dress."""
    body = render_template("web/problem.html", title=title, problem=problem, clinic=clinic())
    return render_page(
        "/consultation/", body, title, status=status, with_intro=False, no_store=True
    )
