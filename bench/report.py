"""What every benchmark prints: percentiles, ratios, Markdown tables and the machine it ran on.

Shared by the benchmark scripts so that figures in docs/benchmarks.md are computed and laid out
the same way everywhere. Nothing here starts a server or measures anything by itself.
"""

from __future__ import annotations

import math
import os
import platform
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

from testkit.browser import CHROMIUM

# The tools the benchmarks drive, named once so the figures and the machine table agree.
WRK = "/usr/bin/wrk"
# The mkdocs packages a site build's figures depend on.
SITE_PACKAGES = (
    "mkdocs",
    "mkdocs-material",
    "mkdocs-macros-plugin",
    "mkdocs-static-i18n",
    "zensical",
    "zensical-i18n",
)


def say(text: str) -> None:
    """A progress line, on stderr so that stdout is only the report."""
    print(text, file=sys.stderr, flush=True)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0 to 100) by linear interpolation between closest ranks, as numpy's
    default does; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ratio(value: float | None, baseline: float | None, digits: int = 2) -> str:
    """`value` as a multiple of `baseline`, such as "0.41x"; a dash when it cannot be computed
    (either is missing or NaN, or the baseline is 0)."""
    if value is None or not baseline or math.isnan(value) or math.isnan(baseline):
        return "-"
    return f"{value / baseline:.{digits}f}x"


def ms(seconds: float, digits: int = 1) -> str:
    """Seconds shown as milliseconds."""
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.{digits}f}"


def markdown_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], align: str = ""
) -> str:
    """A Markdown table; `align` is one letter per column, l or r (left by default)."""
    marks = [("---:" if a == "r" else "---") for a in align.ljust(len(headers), "l")]
    marks = marks[: len(headers)]
    lines = [list(headers), marks, *([str(cell) for cell in row] for row in rows)]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def command_version(command: Sequence[str], pattern: str = r"\d+(\.\d+)+") -> str:
    """The first version number a command prints (on stdout or stderr), or "not installed"."""
    try:
        done = subprocess.run(
            list(command), capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return "not installed"
    match = re.search(pattern, done.stdout + done.stderr)
    return match.group(0) if match else "unknown"


def chromium_version(path: str = CHROMIUM) -> str:
    return command_version([path, "--version"])


def wrk_version(path: str = WRK) -> str:
    return command_version([path, "-v"], r"\d+\.\d+\.\d+[^ ]*")


def postgres_version(database_url: str) -> str:
    """The server's version, such as "15.20"; "unreachable" when it does not answer."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("show server_version").scalar()).split()[0]
    except sa.exc.OperationalError:
        return "unreachable"
    finally:
        engine.dispose()


def machine_info(
    packages: Sequence[str] = (), extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The facts a reader needs to compare figures from two machines: CPU, cores, OS, Python,
    the versions of `packages`, then `extra` (servers, tools, settings)."""
    return {
        "CPU": cpu_model(),
        "Cores": str(os.cpu_count()),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        **{name: package_version(name) for name in packages},
        **(extra or {}),
    }


def service_machine_info(extra: dict[str, str] | None = None) -> dict[str, str]:
    """machine_info for benchmarks of the intake service."""
    return machine_info(
        ("gunicorn", "Flask", "SQLAlchemy", "psycopg"),
        {"SQLite": sqlite3.sqlite_version, **(extra or {})},
    )


def site_machine_info(extra: dict[str, str] | None = None) -> dict[str, str]:
    """machine_info for benchmarks of the site: mkdocs and its plugins, and Chromium."""
    return machine_info(SITE_PACKAGES, {"Chromium": chromium_version(), **(extra or {})})


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine shows up here."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def service_run_info(load_at_start: str, workers: int, threads: int) -> dict[str, str]:
    """The machine-table rows of a run against gunicorn: the load average around it (call
    load_average() at the start and pass it in) and gunicorn's settings."""
    return {
        "Load average (1, 5, 15 min)": f"{load_at_start} at the start, {load_average()} at the end",
        "gunicorn settings": f"--workers {workers} --threads {threads} (gthread)",
    }


def machine_table(info: dict[str, str]) -> str:
    return markdown_table(["Machine", ""], [[key, value] for key, value in info.items()])
