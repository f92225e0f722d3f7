"""Answering a public page of the service (a form, a confirmation, an error) inside the built
site's page of the same place and language, so it looks and navigates like the rest of the site."""

from __future__ import annotations

from flask import Response

from ..clinic import clinic
from ..services import services
from .language import in_language


def render_page(
    page_url: str,
    body: str,
    title: str,
    *,
    status: int = 200,
    with_intro: bool = True,
    no_store: bool = False,
) -> Response:
    """`body` inside the built page at `page_url` (its English address) in the page's language,
    titled `title - clinic name`."""
    shell = services().shells.get(in_language(page_url))
    html = shell.render(body, f"{title} - {clinic()['name']}", with_intro=with_intro)
    response = Response(html, status=status, mimetype="text/html")
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    return response
