"""Playwright pages as the browser tests look at them: what a page fetched and what failed, axe,
focus, and reaching things with the Tab key."""

from __future__ import annotations

from typing import Any


class PageWatch:
    """What a page asked for and what went wrong, so tests can prove it stayed on its own host."""

    def __init__(self, page: Any, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.failed.append(f"{r.url} HTTP {r.status}"),
        )
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def foreign(self) -> list[str]:
        return [u for u in self.requests if not u.startswith((self.origin, "data:", "blob:"))]


def wait_for_focus(page: Any, element_id: str) -> None:
    """Until #element_id has focus. Browsers apply `autofocus` at their next rendering step, a
    moment after the load event, so an immediate check would race it."""
    page.wait_for_function(
        "(id) => document.activeElement && document.activeElement.id === id", arg=element_id
    )


def focused_id(page: Any) -> str | None:
    return page.evaluate("document.activeElement && document.activeElement.id")


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches the selector, at most `limit` times: proof it
    is reachable by keyboard."""
    for _ in range(limit):
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def axe_violations(page: Any) -> list[str]:
    """axe-core (the copy axe-playwright-python ships) run on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
    return [
        f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
    ]
