"""Pages at the two widths the site is judged at: a small phone and a laptop."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.helpers.browser import PageWatch

PHONE = (360, 740)
LAPTOP = (1280, 800)
WIDTHS = {"phone": PHONE, "laptop": LAPTOP}


@contextmanager
def sized_page(browser: Any, origin: str, size: tuple[int, int]) -> Iterator[Any]:
    """A watched page of `size` (width, height): a touch device below 1000 px (phones and
    tablets), a mouse-driven laptop above."""
    width, height = size
    touch = width < 1000
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=touch, has_touch=touch
    )
    page = context.new_page()
    page.watch = PageWatch(page, origin)
    try:
        yield page
    finally:
        context.close()


def box(page: Any, selector: str) -> dict[str, float]:
    """The element's box on screen; it must exist and be visible."""
    found = page.locator(selector)
    assert found.count() >= 1, f"{selector} not found on {page.url}"
    assert found.first.is_visible(), f"{selector} is not visible on {page.url}"
    where = found.first.bounding_box()
    assert where is not None, selector
    return where
