"""The clinic's logo: a plain SVG wordmark made from the clinic's name in clinic.yml.

    python -m site_templates.wordmark            # writes site_templates/overrides/assets/logo.svg

The site shows the file in its header, inline, so it takes the header's text colour and carries
the clinic's name as its accessible name. A designer's own logo can replace the file (see
docs/editing.md, "The logo"); running this again writes the generated wordmark back.
"""

from __future__ import annotations

import argparse
import html
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=LOGO, help="where to write the SVG")
    args = parser.parse_args(argv)
    args.out.write_text(wordmark_svg(load_facts()["name"]), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
