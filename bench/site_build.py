"""How long the site takes to build, and what the project's own build code costs on top of a plain
site with the same content, with each engine: MkDocs (mkdocs-material) and Zensical.

Both engines (--engines, default both) get the same four builds below, each in its own process:
MkDocs with `mkdocs build --strict`, Zensical with `zensical-i18n build --strict --clean` (one
Zensical run per language, without its cache, so every build starts cold as MkDocs' do); the
plain configuration of each keeps its i18n plugin, which decides which pages exist. The figures
decide which engine `make site` uses by default (docs/benchmarks.md).

Why: editors rebuild the site on every save (`make preview`) and `make test` builds it several
times, so the project's additions (the macros plugin and site_templates/clinic_macros.py, the
theme overrides in site_templates/, extra CSS and JavaScript, any hooks) must stay cheap. The
targets from the issue: the project costs at most 1.15x a plain build, and the real site builds in
under 2 seconds.

What is compared, four builds, each `python -m mkdocs build --strict` in its own process (the way
`make site` and the tests build), in a temporary copy of the project so the checkout is never
touched:

(a) the real site with the project's configuration (mkdocs.yml as it is: every plugin, hook,
    override, macro, extra CSS and JavaScript);
(b) the same site with a plain mkdocs-material configuration;
(c) and (d) the same pair for a generated site of about 1,000 pages: the real pages plus renamed
    copies of them (content/copy-NNN/...), with the navigation generated.

The fair baseline. The Markdown calls the project's macros ({{ phone_link() }}, {{ clinic.phone }},
{{ section_contents() }}...), so a plain configuration cannot build it as written, and deleting the
calls would build less text than the project does. The plain builds therefore use the very same
Markdown *after* the project's macros have rendered it: a setup build of the project
configuration, with a hook at the lowest priority, writes each page's front matter and its
rendered Markdown (exactly what the project hands to Python-Markdown) into a second copy of the
docs folder. The plain configuration is mkdocs.yml minus everything the project adds: no
`custom_dir` overrides, no macros plugin (only the built-in search), no hooks, no `extra_css`,
`extra_javascript` or `extra`. It keeps the theme's own options, the Markdown extensions, the
navigation and the validation settings: they are mkdocs-material's and Python-Markdown's work,
needed to turn the same Markdown into the same kind of page, and not the project's code. The ratio
project/plain is then the cost of the project's own additions alone.

The generated site: ceil(pages / 16) - 1 copies of the 16 real pages are added, so 1,008 pages
for --pages 1000. Copies keep their folder layout, so every relative link resolves inside its own
copy and the strict build passes; each copy's navigation titles carry its number, because the
macros group pages by navigation section title. At this size mkdocs-material's navigation (every
page lists every page) dominates the build, for both configurations.

Figures: the median of the timed runs (by default 5 of each real-site build and 3 of each
generated-site build: --large-runs defaults to --runs, at most 3) after one warm-up run of each build, the runs interleaved so that a slow
moment of the machine hits every build alike (the generated site's builds sit out the last
rounds). "Wall" is the whole process, start-up and imports included (what an editor waits for);
"CPU" is its user + system time, steadier than wall time on a shared machine; "build" is the
figure mkdocs itself logs ("Documentation built in ..."). The targets are checked on wall time.
The temporary copies are not in a git repository, so the macros plugin's `git` calls (12 of
them, for its `git` variable) fail fast there; in the checkout they cost about 10 ms more per
build.

Run time: about 7 minutes with the defaults on a 2-core machine, nearly all of it the 1,008-page
builds (about 45 s each: one to prepare the plain variant, then a warm-up and --large-runs runs
of each of the two configurations); the real site's builds take about a second each. Each extra
--large-runs run adds about 1.5 minutes.

This is a benchmark, not a test: it prints its figures and exits 0, unless --check is given and a
target is missed. --profile adds a cProfile breakdown of one project build.

    .venv/bin/python -m bench.site_build              # the four builds, 5 and 3 runs
    .venv/bin/python -m bench.site_build --large-runs 5   # as many generated-site runs
    .venv/bin/python -m bench.site_build --check      # exit 1 when a target is missed
    .venv/bin/python -m bench.site_build --profile    # and where the project's time goes
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import math
import os
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import (
    load_average,
    machine_table,
    markdown_table,
    ratio,
    say,
    site_machine_info,
)
from testkit.site import ENGINES, copy_project

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.15
TARGET_REAL_SECONDS = 2.0
BUILT_IN = re.compile(r"Documentation built in ([0-9.]+) seconds")
# Zensical logs one such line per build; zensical-i18n runs one build per language.
ZENSICAL_BUILT_IN = re.compile(r"Build finished in ([0-9.]+)\s*(ms|s)\b")

# Written into the temporary project only: saves each page's front matter and its Markdown as
# the project's macros leave it, so the plain configuration builds exactly the same text.
RENDER_HOOK = '''\
"""Benchmark setup: write each page's front matter and macro-rendered Markdown to a folder."""

import os
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.utils.meta import YAML_RE


@event_priority(-1000)  # after every plugin, so after the macros plugin has rendered the page
def on_page_markdown(markdown, page, config, files):
    source = Path(page.file.abs_src_path).read_text(encoding="utf-8-sig")
    match = YAML_RE.match(source)
    front = match.group(0) if match else ""
    out = Path(os.environ["BENCH_RENDERED_DOCS"]) / page.file.src_uri
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(front + markdown, encoding="utf-8")
    return markdown
'''


# --- Projects ---------------------------------------------------------------------------------


def load_config(path: Path) -> dict[str, Any]:
    """mkdocs.yml as mkdocs reads it (!ENV values resolved), as plain data."""
    from mkdocs.utils.yaml import yaml_load

    with path.open("rb") as fh:
        return yaml_load(fh)


def write_config(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def plain_config(project: dict[str, Any], docs_dir: str) -> dict[str, Any]:
    """The project's configuration without anything the project adds to mkdocs-material."""
    dropped = {"extra_css", "extra_javascript", "extra", "hooks", "plugins", "docs_dir"}
    config = {k: v for k, v in project.items() if k not in dropped}
    config["docs_dir"] = docs_dir
    config["theme"] = {k: v for k, v in project["theme"].items() if k != "custom_dir"}
    # The i18n plugin stays: which pages exist, in which language, is the content's, not code the
    # project adds to the theme.
    config["plugins"] = ["search", *(p for p in project["plugins"] if "i18n" in p)]
    return config


def markdown_pages(docs: Path) -> list[Path]:
    return sorted(p for p in docs.rglob("*.md"))


def prefixed_nav(nav: list[Any], prefix: str, suffix: str) -> list[Any]:
    """The navigation for a copy: every path under `prefix`, every title marked with `suffix`
    (the macros group pages by section title, so each copy's sections must be its own)."""
    out: list[Any] = []
    for item in nav:
        if isinstance(item, dict):
            title, value = next(iter(item.items()))
            if isinstance(value, list):
                out.append({f"{title}{suffix}": prefixed_nav(value, prefix, suffix)})
            else:
                out.append({f"{title}{suffix}": f"{prefix}/{value}"})
        else:
            out.append(f"{prefix}/{item}")
    return out


def generate_large(project: Path, pages: int) -> int:
    """Turn a project copy into a site of at least `pages` pages: the real pages and renamed
    copies of them under content/copy-NNN/ (relative links then resolve within each copy), with
    the navigation generated. Returns the number of pages."""
    docs = project / "content"
    sources = markdown_pages(docs)
    copies = max(0, math.ceil(pages / len(sources)) - 1)
    config = load_config(project / "mkdocs.yml")
    nav = list(config["nav"])
    for n in range(1, copies + 1):
        prefix = f"copy-{n:03d}"
        for src in sources:
            dest = docs / prefix / src.relative_to(docs)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
        nav.append({f"Copy {n}": prefixed_nav(config["nav"], prefix, f" ({n})")})
    config["nav"] = nav
    # The form pages stay out of the navigation in every copy, as in the real site.
    hidden = [line.strip().lstrip("/") for line in config.get("not_in_nav", "").splitlines()]
    config["not_in_nav"] = "\n".join(f"{name}" for name in hidden if name) + "\n"
    write_config(project / "mkdocs.yml", config)
    return len(sources) * (copies + 1)


def build_env(project: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "CLINIC_FACTS": str(project / "clinic.yml"),
        **(extra or {}),
    }


def engine_command(engine: str, config: str, site_dir: Path) -> list[str]:
    """The strict build of one configuration, from scratch. MkDocs: `mkdocs build`. Zensical:
    `zensical-i18n build`, which runs Zensical once per language; --clean empties Zensical's
    cache, so each build starts cold like MkDocs' (its site_dir is in the configuration:
    Zensical takes no --site-dir)."""
    if engine == "mkdocs":
        command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", config]
        return [*command, "--site-dir", str(site_dir)]
    return [sys.executable, "-m", "zensical_i18n", "build", "--strict", "--clean", "-f", config]


def built_in(engine: str, output: str) -> float | None:
    """The build time the engine logs itself (Zensical: added up over the languages)."""
    if engine == "mkdocs":
        match = BUILT_IN.search(output)
        return float(match.group(1)) if match else None
    found = ZENSICAL_BUILT_IN.findall(output)
    return sum(float(n) / (1000 if unit == "ms" else 1) for n, unit in found) if found else None


def mkdocs_build(
    project: Path,
    config: str,
    site_dir: Path,
    env: dict[str, str] | None = None,
    engine: str = "mkdocs",
) -> tuple[float, float, float | None]:
    """One strict build in its own process: (wall seconds, CPU seconds of the process and its
    children, the engine's own figure)."""
    command = engine_command(engine, config, site_dir)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        command,
        cwd=project,
        env=build_env(project, env),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if result.returncode != 0:
        output = result.stdout[-2000:] + result.stderr[-4000:]
        raise RuntimeError(f"{engine} build of {project / config} failed:\n{output}")
    return wall, cpu, built_in(engine, result.stdout + result.stderr)


def add_plain_variant(project: Path) -> str:
    """Pre-render the project's Markdown with its own macros, and write mkdocs.plain.yml that
    builds it with a plain mkdocs-material configuration. Returns the plain config's name."""
    config = load_config(project / "mkdocs.yml")
    rendered = project / "content-rendered"
    shutil.copytree(project / "content", rendered, ignore=shutil.ignore_patterns("*.md"))
    (project / "bench_render_hook.py").write_text(RENDER_HOOK, encoding="utf-8")
    render = {**config, "hooks": [*config.get("hooks", []), "bench_render_hook.py"]}
    write_config(project / "mkdocs.render.yml", render)
    with tempfile.TemporaryDirectory() as out:
        mkdocs_build(
            project,
            "mkdocs.render.yml",
            Path(out) / "site",
            {"BENCH_RENDERED_DOCS": str(rendered)},
        )
    missing = {p.relative_to(project / "content") for p in markdown_pages(project / "content")}
    missing -= {p.relative_to(rendered) for p in markdown_pages(rendered)}
    if missing:
        raise RuntimeError(f"pages not rendered: {sorted(missing)[:5]}")
    leftover = [p for p in markdown_pages(rendered) if "{{" in p.read_text(encoding="utf-8")]
    if leftover:
        raise RuntimeError(f"macro calls left after rendering: {leftover[:5]}")
    plain = plain_config(config, rendered.name)
    write_config(project / "mkdocs.plain.yml", plain)
    # Zensical's baseline: the same plain configuration, writing where Zensical's builds go.
    write_config(project / "zensical.plain.yml", {**plain, "site_dir": "out/zensical.plain"})
    return "mkdocs.plain.yml"


# --- Measuring --------------------------------------------------------------------------------


@dataclass
class Build:
    site: str
    pages: int
    engine: str
    configuration: str
    project: Path
    config: str
    runs: int  # timed runs of this build
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    builds: list[float] = field(default_factory=list)

    def run(self, record: bool) -> None:
        out = self.project / "out" / self.config
        wall, cpu, built = mkdocs_build(self.project, self.config, out, engine=self.engine)
        if record:
            self.walls.append(wall)
            self.cpus.append(cpu)
            if built is not None:
                self.builds.append(built)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def build(self) -> float | None:
        return statistics.median(self.builds) if self.builds else None


def prepare(
    work: Path, pages: int, runs: int, large_runs: int, engines: tuple[str, ...] = ENGINES
) -> list[Build]:
    real = copy_project(ROOT, work / "real")
    real_pages = len(markdown_pages(real / "content"))
    real_plain = add_plain_variant(real)
    large = copy_project(ROOT, work / "large")
    large_pages = generate_large(large, pages)
    add_plain_variant(large)
    builds = []
    for engine in engines:
        plain = real_plain if engine == "mkdocs" else "zensical.plain.yml"
        builds += [
            Build("Real site", real_pages, engine, "project", real, "mkdocs.yml", runs),
            Build("Real site", real_pages, engine, "plain theme", real, plain, runs),
            Build("Generated", large_pages, engine, "project", large, "mkdocs.yml", large_runs),
            Build("Generated", large_pages, engine, "plain theme", large, plain, large_runs),
        ]
    return builds


def measure(builds: list[Build], warmups: int) -> None:
    """Every build once per round, so a busy moment of the machine slows all of them alike; a
    build with fewer runs than another (the generated site's) sits out the last rounds."""
    rounds = max(b.runs for b in builds)
    for n in range(warmups + rounds):
        label = f"warm-up {n + 1}" if n < warmups else f"run {n - warmups + 1}/{rounds}"
        times = []
        for b in builds:
            if n >= warmups + b.runs:
                continue
            start = time.perf_counter()
            b.run(record=n >= warmups)
            times.append(f"{time.perf_counter() - start:.2f}s")
        say(f"  {label}: " + ", ".join(times))


def fmt(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.2f}"


def report(builds: list[Build], warmups: int) -> tuple[str, list[str]]:
    """The Markdown report, and the targets missed."""
    rows = [
        [
            b.site,
            f"{b.pages:,}",
            b.engine,
            b.configuration,
            fmt(b.wall),
            f"{min(b.walls):.2f}-{max(b.walls):.2f}",
            fmt(b.cpu),
            fmt(b.build),
        ]
        for b in builds
    ]
    headers = ["Site", "Pages", "Engine", "Configuration", "Wall (s)", "Wall min-max (s)"]
    times = markdown_table([*headers, "CPU (s)", "Logged build (s)"], rows, "lrllrrrr")
    runs, large_runs = builds[0].runs, builds[2].runs
    missed: list[str] = []
    checks = []
    # Builds come in fours per engine: real project, real plain, generated project, generated plain.
    for first in range(0, len(builds), 4):
        group = builds[first : first + 4]
        for project, plain in ((group[0], group[1]), (group[2], group[3])):
            wall_ratio = project.wall / plain.wall
            ok = wall_ratio <= TARGET_RATIO
            if not ok:
                missed.append(
                    f"{project.engine}, {project.site}: project/plain {wall_ratio:.2f}x > "
                    f"{TARGET_RATIO}x"
                )
            checks.append(
                [
                    f"{project.engine}, {project.site} ({project.pages:,} pages): project / plain",
                    ratio(project.wall, plain.wall),
                    ratio(project.cpu, plain.cpu),
                    ratio(project.build, plain.build),
                    f"<= {TARGET_RATIO:.2f}x",
                    "met" if ok else "**missed**",
                ]
            )
        real = group[0]
        ok = real.wall < TARGET_REAL_SECONDS
        if not ok:
            missed.append(f"{real.engine}, real site {real.wall:.2f}s >= {TARGET_REAL_SECONDS}s")
        checks.append(
            [
                f"{real.engine}, real site, project build time",
                f"{real.wall:.2f} s",
                f"{real.cpu:.2f} s",
                f"{fmt(real.build)} s",
                f"< {TARGET_REAL_SECONDS:.0f} s",
                "met" if ok else "**missed**",
            ]
        )
    targets = markdown_table(
        ["Figure", "Wall", "CPU", "Logged build", "Target (on wall)", "Result"], checks, "lrrrll"
    )
    engines = sorted({b.engine for b in builds})
    text = "\n\n".join(
        [
            f"### Site build ({dt.date.today().isoformat()})",
            f"`python -m bench.site_build --runs {runs} --large-runs {large_runs} --warmups "
            f"{warmups} --engines {' '.join(engines)}`: medians of {runs} runs of each real-site "
            f"build and {large_runs} of each generated-site build, after {warmups} warm-up "
            "round(s), the builds interleaved. Wall = the whole strict build process (start-up "
            "and imports included: `mkdocs build --strict`; `zensical-i18n build --strict "
            "--clean`, one Zensical process per language); CPU = user + system time of the process and its "
            "children; logged build = the time the engine logs itself (Zensical: summed over "
            "languages). Plain theme = the same Markdown after the project's macros have "
            "rendered it, built by the same engine's own theme without the project's overrides, "
            "macros, extra CSS and JavaScript (each keeps its i18n plugin: it decides which "
            "pages exist, in which language).",
            times,
            targets,
            machine_table(site_machine_info({"Load average (1, 5, 15 min)": load_average()})),
        ]
    )
    return text, missed


# --- Profiling --------------------------------------------------------------------------------

PROJECT_CODE = ("site_templates", "mkdocs_macros", "intake_server", "phonenumbers")


def profile(project: Path, config: str, top: int) -> str:
    """cProfile of one build, in this process: the whole build, then the project's parts."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as mkdocs_load_config

    os.environ.update(build_env(project))
    cwd = Path.cwd()
    os.chdir(project)
    sys.path.insert(0, str(project))
    profiler = cProfile.Profile()
    try:
        with tempfile.TemporaryDirectory() as out:
            profiler.enable()
            cfg = mkdocs_load_config(config_file=config, strict=True, site_dir=out)
            cfg.plugins.on_startup(command="build", dirty=False)
            try:
                build(cfg)
            finally:
                cfg.plugins.on_shutdown()
            profiler.disable()
    finally:
        os.chdir(cwd)
        sys.path.remove(str(project))
    stats = pstats.Stats(profiler)
    total = max(v[3] for v in stats.stats.values())  # type: ignore[attr-defined]
    rows = []
    for (filename, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        if any(part in filename for part in PROJECT_CODE):
            where = filename
            for part in PROJECT_CODE:
                if part in filename:
                    where = part + filename.split(part, 1)[1]
                    break
            rows.append((cumtime, tottime, calls, f"{where}:{line} {name}"))
    rows.sort(reverse=True)
    table = markdown_table(
        ["Function (project code and the macros plugin)", "Calls", "Own (s)", "Cumulative (s)"],
        [[name, str(calls), f"{own:.3f}", f"{cum:.3f}"] for cum, own, calls, name in rows[:top]],
        "lrrr",
    )
    return (
        f"#### Profile of one project build of the real site (cProfile, {total:.2f} s in all)"
        f"\n\n{table}\n"
    )


PLAIN_IMPORTS = (
    "import mkdocs.commands.build, mkdocs.config, material, markdown, jinja2, yaml, "
    "pymdownx.superfences, material.plugins.search.plugin"
)
PROJECT_IMPORTS = {
    "mkdocs_macros.plugin": "the macros plugin (requests, hjson, termcolor... come with it)",
    "intake_server.clinic": "clinic_macros.py's facts loader (its package brings Flask, cryptography)",
    "flask": "of which Flask alone",
    "phonenumbers": "of which phonenumbers alone",
}


def import_costs(repeat: int = 5) -> str:
    """What the project's build code imports on top of what a plain build has imported already,
    each in a fresh process (the best of `repeat`)."""
    rows = []
    for module, what in PROJECT_IMPORTS.items():
        code = (
            f"{PLAIN_IMPORTS}\nimport time\nt = time.perf_counter()\nimport {module}\n"
            "print(time.perf_counter() - t)"
        )
        seconds = min(
            float(
                subprocess.run(
                    [sys.executable, "-c", code], capture_output=True, text=True, check=True
                ).stdout
            )
            for _ in range(repeat)
        )
        rows.append([f"`{module}`: {what}", f"{seconds:.3f}"])
    return markdown_table(["Import, after a plain build's own imports", "Seconds"], rows, "lr")


# --- Command line -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=5, help="timed runs of each real-site build (default 5)"
    )
    parser.add_argument(
        "--large-runs",
        type=int,
        help="timed runs of each generated-site build (default: --runs, at most 3)",
    )
    parser.add_argument("--warmups", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument(
        "--pages", type=int, default=1000, help="pages in the generated site, at least (1000)"
    )
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=ENGINES,
        default=list(ENGINES),
        help="the engines to measure (default: both)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="add a cProfile breakdown of one project build of the real site",
    )
    parser.add_argument("--top", type=int, default=25, help="rows in each profile (default 25)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary projects (their path is printed)"
    )
    args = parser.parse_args(argv)
    if args.large_runs is None:
        args.large_runs = min(args.runs, 3)
    if args.runs < 1 or args.large_runs < 1:
        parser.error("--runs and --large-runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-site-build-"))
    try:
        say(f"Preparing the projects in {work} ...")
        builds = prepare(work, args.pages, args.runs, args.large_runs, tuple(args.engines))
        say(
            f"Building {len(builds)} sites, {args.warmups} warm-up + {args.runs} runs each "
            f"(the generated site: {args.large_runs}) ..."
        )
        measure(builds, args.warmups)
        text, missed = report(builds, args.warmups)
        if args.profile:
            say("Profiling ...")
            parts = [text, "#### What the project's build code imports", import_costs()]
            parts += [profile(builds[0].project, "mkdocs.yml", args.top)]
            text = "\n\n".join(parts)
        print(text)
        if missed:
            print("\nTargets missed: " + "; ".join(missed))
        return 1 if args.check and missed else 0
    finally:
        if args.keep:
            say(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
