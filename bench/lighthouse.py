"""Lighthouse scores and page weight of the clinic's main pages, served the way production serves
them.

Why: the site promises to be fast on a cheap phone on a slow connection, accessible, and private.
The targets from the issues (13 and 11: the Spanish pages meet the same), per page: performance
>= 0.98, accessibility, best practices and SEO all 1.0, and at most 150 KB transferred.

How:

- The site is built fresh (`mkdocs build --strict`, the project's own configuration, as
  testkit/site.py builds it for every service benchmark) into a temporary folder, and the real
  intake service serves it: gunicorn running `intake_server:create_app()` (testkit/service.py) with
  INTAKE_ENV=development, its own SECRET_KEY and ENCRYPTION_KEYS, SITE_DIR at the fresh site and
  DATABASE_URL a temporary SQLite file that is migrated first. The consultation page is the
  service's own page (the form inside the site's shell), exactly as visitors get it.
- Lighthouse talks to gunicorn directly, with nothing in between. The service compresses the
  site's files and blank form pages itself (Flask-Compress: the first of zstd, brotli and gzip
  that the browser accepts, so zstd for Chromium); a form page holding anything the request sent
  is deliberately sent uncompressed, so that nothing a visitor typed is ever compressed. "Transferred" is what went
  over the wire (Lighthouse's total-byte-weight); "Uncompressed" is the same resources decoded
  (the sum of Lighthouse's resourceSize). The encoding the service chose for the home page is
  printed with the table.
- Lighthouse (the npm package pinned in bench/package.json and bench/package-lock.json; `npm ci
  --prefix bench` installs exactly the locked versions first when bench/node_modules lacks them;
  package.json's `overrides` pin the two packages that Lighthouse's trace engine asks for as
  "latest", which would otherwise put the lock file out of date, and `npm ci` out of action,
  whenever either publishes a new version)
  drives Debian's Chromium (CHROMIUM, /usr/bin/chromium by default) headless, with
  Lighthouse's default settings: a mobile phone, simulated slow 4G and a 4x slower CPU. Each page
  is measured --runs times (default 5) and the run with the median performance score is
  reported, as Lighthouse's own guidance advises. Total Blocking Time, and so
  the performance score, depends on how busy the machine's CPU is: each run's Lighthouse
  "benchmark index" (its own measure of the CPU's speed at that moment; higher is faster) is
  printed next to its score, so a low score on a busy machine can be told apart from a slow page.

This is a benchmark, not a test: it prints a Markdown table (for docs/benchmarks.md) and, for a
score below 1, every audit that lost points and why; it exits 0 unless --check is given and a
target is missed.

    .venv/bin/python -m bench.lighthouse                  # the eight pages, 5 runs each
    .venv/bin/python -m bench.lighthouse --check          # exit 1 when a target is missed
    .venv/bin/python -m bench.lighthouse --reports DIR    # keep Lighthouse's JSON reports
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import (
    command_version,
    machine_table,
    markdown_table,
    package_version,
    say,
    site_machine_info,
)
from testkit.browser import CHROMIUM, CHROMIUM_ARGS
from testkit.site import served_site

BENCH = Path(__file__).resolve().parent
LIGHTHOUSE = BENCH / "node_modules" / "lighthouse" / "cli" / "index.js"
LOCK_FILE = BENCH / "package-lock.json"
CHROME_FLAGS = ["--headless=new", *CHROMIUM_ARGS]
PAGES = {
    "Home": "/",
    "Guide page": "/guide/what-to-expect/",
    "FAQ": "/faq/",
    "Consultation": "/consultation/",
    "Home in Spanish": "/es/",
    "Guide page in Spanish": "/es/guide/what-to-expect/",
    "FAQ in Spanish": "/es/faq/",
    "Consultation in Spanish": "/es/consultation/",
}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 0.98, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
TARGET_BYTES = 150 * 1024
ACCEPT_ENCODING = "gzip, deflate, br, zstd"  # what Chromium sends


# --- Lighthouse -------------------------------------------------------------------------------


def locked_lighthouse_version() -> str:
    """The Lighthouse version the committed bench/package-lock.json pins."""
    lock = json.loads(LOCK_FILE.read_text(encoding="utf-8"))
    return lock["packages"]["node_modules/lighthouse"]["version"]


def lighthouse_version() -> str | None:
    """The installed Lighthouse's version, None when it is not installed."""
    package = LIGHTHOUSE.parent.parent / "package.json"
    if not LIGHTHOUSE.exists() or not package.exists():
        return None
    return json.loads(package.read_text(encoding="utf-8"))["version"]


def ensure_lighthouse() -> None:
    """`npm ci --prefix bench`: exactly what the committed bench/package-lock.json pins, unless
    that version is installed already."""
    if lighthouse_version() == locked_lighthouse_version():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm not found: install Node.js 18.16 or newer")
    say(f"Installing Lighthouse {locked_lighthouse_version()} (npm ci --prefix bench) ...")
    subprocess.run(
        [npm, "ci", "--prefix", str(BENCH), "--no-audit", "--no-fund"], cwd=BENCH, check=True
    )


def run_lighthouse(url: str, output: Path, attempts: int = 3) -> dict[str, Any]:
    """One Lighthouse run with its default (mobile) settings; returns the JSON report. A run that
    Lighthouse itself reports as broken (now and then NO_NAVSTART: "Please run Lighthouse
    again") is run again, up to `attempts` times."""
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
        "--quiet",
    ]
    problem = ""
    for _ in range(attempts):
        output.unlink(missing_ok=True)
        result = subprocess.run(
            command,
            env={**os.environ, "CHROME_PATH": CHROMIUM},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode == 0 and output.exists():
            report = json.loads(output.read_text(encoding="utf-8"))
            if not report.get("runtimeError"):
                return report
            problem = json.dumps(report["runtimeError"])
        else:
            problem = result.stderr[-3000:]
    raise RuntimeError(f"Lighthouse failed {attempts} times on {url}:\n{problem}")


# --- The service ------------------------------------------------------------------------------


def content_encoding(url: str) -> str | None:
    """The Content-Encoding the service answers `url` with for a browser that accepts gzip,
    brotli and zstd, as Chromium does."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", parts.path or "/", headers={"Accept-Encoding": ACCEPT_ENCODING})
        response = conn.getresponse()
        response.read()
        return response.getheader("Content-Encoding")
    finally:
        conn.close()


# --- Results ----------------------------------------------------------------------------------


@dataclass
class PageResult:
    name: str
    path: str
    report: dict[str, Any]
    runs: list[dict[str, Any]]

    def score(self, category: str) -> float | None:
        return self.report["categories"][category]["score"]

    @property
    def transferred(self) -> int:
        return int(self.report["audits"]["total-byte-weight"]["numericValue"])

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.report["audits"]["network-requests"]["details"]["items"]

    @property
    def uncompressed(self) -> int:
        """What the resources weigh without compression (their bodies as decoded)."""
        return int(sum(r.get("resourceSize") or 0 for r in self.requests))

    def missed(self) -> list[str]:
        out = []
        for category, target in TARGETS.items():
            score = self.score(category)
            if score is None or score < target:
                out.append(f"{self.name} {category} {score} < {target}")
        if self.transferred > TARGET_BYTES:
            out.append(f"{self.name} {kb(self.transferred)} > {kb(TARGET_BYTES)}")
        return out

    def lost_points(self) -> list[str]:
        """Every audit that counts toward a category's score and did not pass, with why."""
        lines = []
        for category in CATEGORIES:
            refs = self.report["categories"][category]["auditRefs"]
            for ref in refs:
                audit = self.report["audits"][ref["id"]]
                if ref.get("weight", 0) <= 0 or audit.get("score") in (None, 1):
                    continue
                if audit.get("scoreDisplayMode") in ("notApplicable", "informative", "manual"):
                    continue
                value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
                lines.append(
                    f"- {self.name}, {category}: `{ref['id']}` score {audit['score']}{value}: "
                    f"{audit['title']}"
                )
                lines += [f"    - {item}" for item in audit_items(audit)]
                if ref["id"] == "total-blocking-time":
                    lines += [f"    - {item}" for item in self.main_thread_by_script()]
        return lines

    def main_thread_by_script(self, limit: int = 3) -> list[str]:
        """Where the main thread's time went (Lighthouse's bootup-time audit: the time observed
        on this machine times the simulated 4x CPU slowdown)."""
        items = self.report["audits"]["bootup-time"].get("details", {}).get("items", [])
        return [
            f"main thread (x4), {urlsplit(i['url']).path or i['url']}: {i['total']:.0f} ms "
            f"(scripting {i.get('scripting', 0):.0f} ms)"
            for i in items[:limit]
        ]


def audit_items(audit: dict[str, Any], limit: int = 6) -> list[str]:
    """The elements or resources an audit blames, shortly."""
    details = audit.get("details") or {}
    items = []
    for item in (details.get("items") or [])[:limit]:
        node = item.get("node") or {}
        if node:
            text = node.get("snippet") or node.get("selector") or ""
            why = node.get("explanation", "").replace("\n", " ")
            items.append(f"`{text[:160]}`" + (f": {why[:300]}" if why else ""))
        elif item.get("url"):
            size = item.get("wastedBytes") or item.get("totalBytes")
            items.append(item["url"] + (f" ({kb(size)})" if size else ""))
        elif item.get("description"):
            items.append(str(item["description"])[:300])
        else:
            items.append(json.dumps(item)[:300])
    return items


def kb(size: float) -> str:
    return f"{size / 1024:.1f} KB"


def median_run(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """The run whose performance score is the median one (Lighthouse's own advice)."""
    scores = [r["categories"]["performance"]["score"] or 0 for r in reports]
    middle = statistics.median_low(scores)
    return reports[scores.index(middle)]


def metrics_table(results: list[PageResult]) -> str:
    metrics = [
        ("first-contentful-paint", "FCP"),
        ("largest-contentful-paint", "LCP"),
        ("total-blocking-time", "TBT"),
        ("cumulative-layout-shift", "CLS"),
        ("speed-index", "Speed Index"),
    ]
    rows = []
    for r in results:
        cells = [r.name]
        for key, _ in metrics:
            audit = r.report["audits"][key]
            cells.append(f"{audit.get('displayValue', '')} ({audit['score']})")
        cells.append(str(len(r.requests)))
        cells.append(
            ", ".join(
                f"{run['categories']['performance']['score']:.2f} "
                f"({run['environment'].get('benchmarkIndex', 0):.0f})"
                for run in r.runs
            )
        )
        rows.append(cells)
    headers = [
        "Page",
        *(label for _, label in metrics),
        "Requests",
        "Performance (benchmark index), every run",
    ]
    return markdown_table(headers, rows, "lrrrrrrl")


def report(results: list[PageResult], encoding: str | None, runs: int) -> tuple[str, list[str]]:
    def score(value: float | None, target: float) -> str:
        text = "n/a" if value is None else f"{value:.2f}"
        return text if value is not None and value >= target else f"**{text}**"

    rows = []
    missed: list[str] = []
    for r in results:
        rows.append(
            [
                f"{r.name} (`{r.path}`)",
                *(score(r.score(c), TARGETS[c]) for c in CATEGORIES),
                kb(r.transferred) if r.transferred <= TARGET_BYTES else f"**{kb(r.transferred)}**",
                kb(r.uncompressed),
            ]
        )
        missed += r.missed()
    served = (
        f"the service compresses the site's files itself ({encoding} for Chromium, "
        "Flask-Compress, also on blank form pages; a form page with anything the request sent "
        "goes uncompressed, by design)"
        if encoding
        else "**the service sent the home page uncompressed** (no Content-Encoding for "
        f"`Accept-Encoding: {ACCEPT_ENCODING}`)"
    )
    scores = markdown_table(
        [
            "Page",
            "Performance",
            "Accessibility",
            "Best practices",
            "SEO",
            "Transferred",
            "Uncompressed",
        ],
        rows,
        "lrrrrrr",
    )
    targets = markdown_table(
        ["Target", "Value"],
        [
            ["Performance", ">= 0.98"],
            ["Accessibility, best practices, SEO", "1.00"],
            ["Transferred per page", f"<= {kb(TARGET_BYTES)}"],
        ],
    )
    info = site_machine_info(
        {
            "Node.js": command_version(["node", "--version"]),
            "Lighthouse": lighthouse_version() or "not installed",
            "Flask-Compress": package_version("Flask-Compress"),
        }
    )
    parts = [
        f"### Lighthouse ({dt.date.today().isoformat()})",
        f"`python -m bench.lighthouse --runs {runs}`: Lighthouse's default mobile settings "
        "(simulated slow 4G, 4x CPU slowdown), headless Chromium, the run with the median "
        f"performance score of {runs}. The pages come straight from the real service "
        f"(gunicorn, `intake_server:create_app()`, no proxy) and a fresh build of the site; "
        f"{served}. Transferred = bytes over the wire (Lighthouse's total-byte-weight); "
        "Uncompressed = the same resources decoded (the sum of their resourceSize). "
        "Bold: a target missed.",
        scores,
        targets,
        "#### Performance metrics (median run; each metric's score in brackets)",
        metrics_table(results),
        machine_table(info),
    ]
    lost = [line for r in results for line in r.lost_points()]
    if lost:
        parts += ["#### Audits that lost points", "\n".join(lost)]
    return "\n\n".join(parts), missed


# --- Command line -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="Lighthouse runs per page (5)")
    parser.add_argument(
        "--page",
        action="append",
        metavar="NAME=PATH",
        help="a page to measure instead of the default eight (repeatable), e.g. Crisis=/crisis/",
    )
    parser.add_argument(
        "--reports", type=Path, help="keep Lighthouse's JSON reports in this folder"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pages = dict(p.split("=", 1) for p in args.page) if args.page else PAGES
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    ensure_lighthouse()
    work = Path(tempfile.mkdtemp(prefix="bench-lighthouse-"))
    reports_dir = args.reports or work / "reports"
    reports_dir.mkdir(parents=True, exist_ok=True)
    try:
        say("Building the site and starting the service ...")
        with served_site(work) as url:
            encoding = content_encoding(url + "/")
            results = []
            for name, path in pages.items():
                runs = []
                for n in range(args.runs):
                    slug = path.strip("/").replace("/", "-") or "home"
                    out = reports_dir / f"{slug}-{n + 1}.json"
                    runs.append(run_lighthouse(url + path, out))
                    perf = runs[-1]["categories"]["performance"]["score"]
                    say(f"  {name} run {n + 1}/{args.runs}: performance {perf}")
                results.append(PageResult(name, path, median_run(runs), runs))
        text, missed = report(results, encoding, args.runs)
        print(text)
        if args.reports:
            print(f"\nLighthouse's JSON reports: {reports_dir}")
        if missed:
            print("\nTargets missed: " + "; ".join(missed))
        return 1 if args.check and missed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
