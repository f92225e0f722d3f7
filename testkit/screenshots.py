"""Screenshots of the site's main pages on a phone and a laptop, so anyone can see how it looks
before and after a change (`make screenshots`, docs/checks.md).

The site is built fresh and served by the real service (testkit.site.served_site), so the
consultation page shows the real form. Debian's Chromium, driven by Playwright as in the browser
tests, saves a full-page PNG of each page at 360 px (a small phone, as a touch device) and 1280
px wide into docs/screenshots/, with an index (README.md) that names the commit they show.
English only by default, to keep the committed pictures small (about 4 MB); the Spanish pages,
at the same paths under /es/, on request. Old pictures of a language taken again are replaced.

    .venv/bin/python -m testkit.screenshots                    # English, into docs/screenshots/
    .venv/bin/python -m testkit.screenshots --language es      # Spanish too
    .venv/bin/python -m testkit.screenshots --out /tmp/before  # elsewhere, e.g. to compare
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

from testkit.browser import CHROMIUM, CHROMIUM_ARGS
from testkit.service import ROOT
from testkit.site import served_site

OUT = ROOT / "docs" / "screenshots"
# name -> path of the English page; the Spanish one is the same path under /es/.
PAGES = {
    "home": "/",
    "guide-what-to-expect": "/guide/what-to-expect/",
    "faq": "/faq/",
    "crisis": "/crisis/",
    "consultation": "/consultation/",
}
LANGUAGES = {"en": "", "es": "/es"}
# width -> the browser window: a small phone (touch, mobile viewport) and a laptop.
SCREENS = {
    360: {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
    1280: {"viewport": {"width": 1280, "height": 800}},
}


def file_name(language: str, page: str, width: int) -> str:
    return f"{language}-{page}-{width}.png"


def take(url: str, out: Path, languages: list[str]) -> list[Path]:
    """Every page in these languages at every width, from the site at `url`, into `out`."""
    from playwright.sync_api import sync_playwright

    saved = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for width, screen in SCREENS.items():
                context = browser.new_context(
                    **screen, device_scale_factor=1, reduced_motion="reduce"
                )
                page = context.new_page()
                for language in languages:
                    prefix = LANGUAGES[language]
                    for name, path in PAGES.items():
                        response = page.goto(url + prefix + path, wait_until="networkidle")
                        if response is None or response.status != 200:
                            status = response and response.status
                            raise RuntimeError(f"{prefix}{path} answered {status}")
                        target = out / file_name(language, name, width)
                        page.screenshot(path=str(target), full_page=True, animations="disabled")
                        saved.append(target)
                        print(target)
                context.close()
        finally:
            browser.close()
    return saved


def commit() -> str:
    """The commit the pictures show, marked when the work tree had changes."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        [
            "git",
            "status",
            "--porcelain",
            "--",
            "content",
            "site_templates",
            "mkdocs.yml",
            "clinic.yml",
            "intake_server",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"{head} with uncommitted changes" if dirty else head


def index(out: Path) -> None:
    """README.md in the folder: every picture it holds, by page, language and width."""
    rows = []
    for language in LANGUAGES:
        for name in PAGES:
            files = [file_name(language, name, width) for width in SCREENS]
            if all((out / f).exists() for f in files):
                cells = [f"[{w} px]({f})" for w, f in zip(SCREENS, files, strict=True)]
                rows.append(f"| {name} | {language} | {' | '.join(cells)} |")
    widths = " | ".join(f"{w} px" for w in SCREENS)
    text = [
        "# Screenshots",
        "",
        f"Taken by `make screenshots` on {dt.date.today().isoformat()} from commit {commit()}, "
        "in Chromium, full page. How they are made: [../checks.md](../checks.md#screenshots).",
        "",
        f"| Page | Language | {widths} |",
        "| --- | --- | " + " | ".join("---" for _ in SCREENS) + " |",
        *rows,
        "",
    ]
    (out / "README.md").write_text("\n".join(text), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNGs")
    parser.add_argument(
        "--language",
        action="append",
        choices=sorted(set(LANGUAGES) - {"en"}),
        default=[],
        help="also this language (repeatable); English always",
    )
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    out: Path = args.out.resolve()
    languages = ["en", *args.language]
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as work, served_site(Path(work)) as url:
        saved = take(url, out, languages)
    for language in languages:
        for old in set(out.glob(f"{language}-*.png")) - set(saved):
            old.unlink()
    index(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
