"""`make preview`: the site at http://127.0.0.1:8001, built again on every save.

MkDocs' own `mkdocs serve` prints a Python traceback when a save breaks the build, and the browser
keeps showing the last good page, so an editor cannot tell anything went wrong. Here a failed
build puts the problem in the browser instead, said as the content check says it (file, line,
what to do), on every page, until a save fixes it; then the site comes back by itself.

    python -m site_templates.preview [--root PATH] [--dev-addr 127.0.0.1:8001]
"""

from __future__ import annotations

import argparse
import html
import logging
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.livereload import LiveReloadServer

from site_templates import content_check
from site_templates.content_check import Finding

log = logging.getLogger("mkdocs.preview")
# What an editor changes; a save in any of them builds the site again.
WATCHED = ("mkdocs.yml", "clinic.yml", "content", "site_templates")
# MkDocs' own log line format, which the content check knows how to read.
LOG_FORMAT = "%(levelname)-8s-  %(message)s"


class Recorder(logging.Handler):
    """Keeps one build's warnings and errors, as `mkdocs build` would print them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def said_plainly(record: logging.LogRecord) -> bool:
    """Keep the macros' own report (a traceback) off the terminal: the preview says the same
    thing plainly right after it (the recorder still reads it)."""
    return not record.getMessage().startswith("[macros] - ERROR")


def diagnose(root: Path, output: str) -> list[Finding]:
    """Why the build failed, as findings with a file and a line: a mistake in clinic.yml or
    mkdocs.yml first (MkDocs alone would name neither line), else what the build printed."""
    _, found = content_check.load_facts(root)
    found += content_check.check_site_settings(root)
    return found or content_check.build_findings(root, 1, output)


def problem_page(findings: Iterable[Finding]) -> bytes:
    """A page for the browser that says what to fix; the preview's reload script is added to it
    like to any other page, so it turns back into the site once a save fixes the problem."""
    items = "\n".join(
        "<li><p><strong>{}, line {}</strong>: {}</p>{}</li>".format(
            html.escape(f.path),
            f.line,
            html.escape(f.message),
            "".join(f"<pre>{html.escape(d)}</pre>" for d in f.details),
        )
        for f in findings
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview stopped: something to fix</title>
<style>body{{font:1.1rem/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a}}h1{{color:#8a1c1c}}li{{margin-bottom:1rem}}pre{{white-space:pre-wrap;
background:#f3f3f3;padding:.5rem}}</style></head>
<body><main><h1>The preview stopped: something to fix</h1>
<p>The site could not be built after the last save. Fix what is listed here and save the file
again: this page turns back into the site by itself.</p>
<ul>{items}</ul></main></body></html>""".encode()


class PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server, which serves the problem page while the build is broken."""

    def __init__(self, root: Path, host: str, port: int) -> None:
        self.project = root
        self.problem: bytes | None = None
        self.site_dir = tempfile.mkdtemp(prefix="preview-")
        super().__init__(builder=self.rebuild, host=host, port=port, root=self.site_dir)

    def rebuild(self) -> None:
        """Build the site; a failure is kept for the browser, never raised (raising would leave
        the browser on the last good page)."""
        recorder = Recorder()
        logging.getLogger("mkdocs").addHandler(recorder)
        try:
            config = load_config(str(self.project / "mkdocs.yml"), site_dir=self.site_dir)
            config.site_url = self.url
            config.plugins.on_startup(command="serve", dirty=False)
            try:
                build(config, serve_url=self.url)
            finally:
                config.plugins.on_shutdown()
            self.problem = None
        except (Exception, SystemExit) as exc:  # every way a build stops, macros' exit included
            findings = diagnose(self.project, "\n".join([*recorder.lines, str(exc)]))
            self.problem = problem_page(findings)
            log.error(
                "The site could not be built; the browser shows what to fix:\n%s",
                "\n".join(f.render() for f in findings),
            )
        finally:
            logging.getLogger("mkdocs").removeHandler(recorder)

    def _serve_request(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ["PATH_INFO"]
        page = path.endswith(("/", ".html"))
        if self.problem is None or not page or path.startswith("/livereload/"):
            return super()._serve_request(environ, start_response)
        with self._epoch_cond:
            epoch = self._visible_epoch
        content = self._inject_js_into_html(self.problem, epoch)
        start_response(
            "500 Internal Server Error",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(content)))],
        )
        return [content]


def serve(root: Path, host: str, port: int) -> None:
    server = PreviewServer(root, host, port)
    try:
        server.rebuild()
        for name in WATCHED:
            server.watch(str(root / name))
        server.serve()
    except KeyboardInterrupt:
        log.info("Shutting down...")
    finally:
        server.shutdown()
        shutil.rmtree(server.site_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=content_check.DEFAULT_ROOT)
    parser.add_argument("--dev-addr", default="127.0.0.1:8001", help="HOST:PORT")
    args = parser.parse_args(argv)
    host, _, port = args.dev_addr.rpartition(":")
    logging.basicConfig(format=LOG_FORMAT, level=logging.INFO)
    for handler in logging.getLogger().handlers:
        handler.addFilter(said_plainly)
    serve(args.root.resolve(), host, int(port))


if __name__ == "__main__":
    main()
