"""Rendering service pages inside the built site's shells, and the error pages people may meet."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from .clinic import clinic
from .shell import Shell, load_shell

log = logging.getLogger(__name__)


class SiteShells:
    """The built pages the service dresses its own pages in, read once and kept."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self.get = cache(self._load)

    def _load(self, page_url: str) -> Shell:
        return load_shell(self.site_dir, page_url)


def render_page(
    page_url: str,
    body: str,
    title: str,
    *,
    status: int = 200,
    with_intro: bool = True,
    no_store: bool = False,
) -> Response:
    shell = current_app.extensions["site_shells"].get(page_url)
    html = shell.render(body, f"{title} - {clinic()['name']}", with_intro=with_intro)
    response = Response(html, status=status, mimetype="text/html")
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_error_pages(app: Flask) -> None:
    from . import public, site

    @app.errorhandler(404)
    def not_found(_: HTTPException) -> Response:
        return site.not_found_page()

    @app.errorhandler(429)
    def too_many(_: HTTPException) -> Response:
        kind = public.form_kind_for(request.endpoint)
        if kind:
            log.info("submission_rate_limited", extra={"kind": kind})
            return public.refused(kind, "rate_limited", 429)
        return _problem_page("Too many requests", "too_many", 429)

    @app.errorhandler(413)
    def too_large(_: HTTPException) -> Response:
        return _problem_page("That was too much to send", "too_large", 413)

    @app.errorhandler(500)
    def server_error(_: Exception) -> Response:
        return _problem_page("Something went wrong", "server_error", 500)


def _problem_page(title: str, problem: str, status: int) -> Response:
    body = render_template("public/problem.html", title=title, problem=problem, clinic=clinic())
    return render_page(
        "/consultation/", body, title, status=status, with_intro=False, no_store=True
    )
