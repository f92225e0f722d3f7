"""MkDocs hooks (mkdocs.yml `hooks:`): what the build needs beyond the theme and the macros.

mkdocs-static-i18n builds the site once per language into the same folder, so the theme's
404.html of the Spanish build would overwrite the English one at the site's root. The Spanish
404 page goes to es/404.html instead, where the intake service answers a missing /es/ address.
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path
from typing import Any

DEFAULT_LANGUAGE = "en"
PER_LANGUAGE = ("404.html",)


def on_pre_template(template: Any, template_name: str, config: Any) -> Any:
    """The 404 page has no page of its own to switch to: its language switcher leads to each
    language's home page (the i18n plugin's starting switcher), not to the page built before it."""
    i18n = config.plugins.get("i18n")
    if template_name in PER_LANGUAGE and getattr(i18n, "extra_alternate", None):
        # as the plugin sets it (an attribute, which templates read before the key)
        config.extra.alternate = deepcopy(i18n.extra_alternate)
    return template


def on_post_template(output_content: str, template_name: str, config: Any) -> str:
    """Write a per-language template of a translation under its language's folder; the empty
    output tells MkDocs not to write it at the root."""
    language = config.theme["language"]
    if template_name not in PER_LANGUAGE or language == DEFAULT_LANGUAGE:
        return output_content
    target = Path(config.site_dir) / language / template_name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(output_content, encoding="utf-8")
    return ""
