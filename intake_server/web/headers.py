"""Security headers on every response, with a Content-Security-Policy that allows the theme's
inline scripts by hash, never 'unsafe-inline'."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Flask, Response, request

from .shells import script_hashes, script_style_hashes, style_hashes


def content_security_policy(
    allowed_scripts: tuple[str, ...], allowed_styles: tuple[str, ...] = ()
) -> str:
    scripts = " ".join(("'self'", *allowed_scripts))
    styles = " ".join(("'self'", *allowed_styles))
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {scripts}",
            f"style-src {styles}",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


@cache
def _policy_for(site_dir: str) -> str:
    """Every page shares the theme's inline scripts and styles (mkdocs.yml pins extra.scope), so
    one policy fits all, whichever engine built the site."""
    try:
        theme_html = (Path(site_dir) / "404.html").read_text(encoding="utf-8")
    except OSError:
        theme_html = ""
    bundles = sorted((Path(site_dir) / "assets" / "javascripts").glob("bundle.*.js"))
    scripts = "".join(bundle.read_text(encoding="utf-8") for bundle in bundles)
    styles = style_hashes(theme_html) + script_style_hashes(scripts)
    return content_security_policy(script_hashes(theme_html), styles)


def init_security_headers(app: Flask, site_dir: Path) -> None:

    @app.after_request
    def add_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = _policy_for(str(site_dir))
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        return response
