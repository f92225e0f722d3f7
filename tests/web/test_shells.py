"""Page shells: the built site's pages, with links made absolute and inline scripts hashed for the
CSP, so the service's own pages wear the site's theme at any URL."""

from __future__ import annotations

import base64
import hashlib

from intake_server.web.shells import (
    absolutize,
    script_hashes,
    script_style_hashes,
    squeeze,
    style_hashes,
)


def test_absolutize_resolves_relative_links_against_the_page() -> None:
    html = (
        '<a href="../faq/">x</a><img src="../assets/a.svg"><a href="#top">t</a>'
        '<a href="https://988lifeline.org/">l</a><a href="tel:988">c</a>'
        '<script id="__config" type="application/json">{"base": "..", "search": "../assets/s.js"}</script>'
    )
    out = absolutize(html, "/consultation/")
    assert 'href="/faq/"' in out and 'src="/assets/a.svg"' in out
    assert (
        'href="#top"' in out
        and 'href="https://988lifeline.org/"' in out
        and 'href="tel:988"' in out
    )
    assert '"base": "/"' in out and '"search": "/assets/s.js"' in out


def test_script_hashes_cover_only_inline_scripts() -> None:
    html = '<script>a()</script><script src="/x.js"></script><script type="application/ld+json">{}</script>'
    assert len(script_hashes(html)) == 1
    assert script_hashes(html)[0].startswith("'sha256-")


def test_style_hashes_cover_inline_styles_and_the_ones_scripts_build() -> None:
    """zensical-i18n's language selector has an inline <style>; Zensical's search dialog builds
    one from a string in its script. Each gets the hash of exactly its text."""
    css = ".r{height:100%}"
    expected = "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
    assert style_hashes(f'<style>{css}</style><link rel="stylesheet" href="/a.css">') == (expected,)
    script = f"let Tc='{css}';function f(){{o.appendChild(C(\"style\",{{}},Tc.toString()))}}"
    assert script_style_hashes(script) == (expected,)
    assert script_style_hashes("let Tc='.r{}';") == ()


def test_squeeze_drops_indentation_but_not_scripts_styles_or_preformatted_text() -> None:
    html = (
        "<nav>\n    <ul>\n      <li><a>One</a>\n      <a>Two</a></li>\n    </ul>\n  </nav>\n"
        "<script>\n  if (a) {\n    b();\n  }\n</script>\n  <pre>\n  code\n    more</pre>\n"
        "  <TEXTAREA>\n  typed</TEXTAREA>\n    <p>end</p>\n  <style>\n  .a { b: c }\n</style>"
    )
    out = squeeze(html)
    assert out.startswith("<nav>\n<ul>\n<li><a>One</a>\n<a>Two</a></li>\n</ul>\n</nav>\n")
    assert "<script>\n  if (a) {\n    b();\n  }\n</script>" in out
    assert "<pre>\n  code\n    more</pre>" in out and "<TEXTAREA>\n  typed</TEXTAREA>" in out
    assert out.endswith("\n<p>end</p>\n<style>\n  .a { b: c }\n</style>")
    assert script_hashes(out) == script_hashes(html)
    assert style_hashes(out) == style_hashes(html)
