"""The clinic's logo: a plain SVG wordmark made from the clinic's name in clinic.yml.

    python -m site_templates.wordmark            # writes site_templates/overrides/assets/logo.svg

The site shows the file in its header, inline, so it takes the header's text colour and carries
the clinic's name as its accessible name. A designer's own logo can replace the file (see
docs/editing.md, "The logo"); running this again writes the generated wordmark back.
"""

from __future__ import annotations

import argparse
import html
import re
from pathlib import Path

from intake_server.clinic import load_facts

LOGO = Path(__file__).with_name("overrides") / "assets" / "logo.svg"
HEIGHT = 40
FONT_SIZE = 21
# A bold system sans-serif letter is about this wide for its size; textLength then fits the name
# to exactly that width, so the file's size never depends on the fonts a reader has.
LETTER_WIDTH = 0.58
MARK_WIDTH = 40
FONTS = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


def wordmark_svg(name: str) -> str:
    """Two overlapping circles (people together) and the name beside them, in currentColor."""
    text_width = round(len(name) * FONT_SIZE * LETTER_WIDTH)
    width = MARK_WIDTH + text_width + 2
    label = html.escape(name)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="clinic-logo" viewBox="0 0 {width} {HEIGHT}"'
        f' width="{width}" height="{HEIGHT}" role="img" aria-label="{label}" fill="currentColor">'
        '<circle cx="13" cy="20" r="9" fill-opacity=".6"/>'
        '<circle cx="23" cy="20" r="9" fill-opacity=".9"/>'
        f'<text x="{MARK_WIDTH}" y="27" font-family="{FONTS}" font-size="{FONT_SIZE}"'
        f' font-weight="700" textLength="{text_width}" lengthAdjust="spacingAndGlyphs">'
        f"{label}</text></svg>\n"
    )


def site_logo(name: str, path: Path = LOGO) -> str:
    """The logo the header shows. A designer's own file, as it is. The wordmark this command
    wrote (for whatever name it was written) is made again from clinic.yml's `name`, so a clinic
    that changes its name, or builds from other facts, never shows the old name."""
    text = path.read_text(encoding="utf-8")
    label = re.search(r'aria-label="([^"]*)"', text)
    if label and text == wordmark_svg(html.unescape(label.group(1))):
        return wordmark_svg(name)
    return text


def header_logo() -> str:
    """The header's logo for the clinic in clinic.yml; mkdocs.yml reads it into `extra` as the
    configuration loads (the one step both engines run in Python)."""
    return site_logo(load_facts()["name"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=LOGO, help="where to write the SVG")
    args = parser.parse_args(argv)
    args.out.write_text(wordmark_svg(load_facts()["name"]), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
