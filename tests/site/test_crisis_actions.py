"""The crisis page leads with four big actions (call, text, chat, emergency), in each language's own
form, every one a touch target of at least 44 by 44 CSS pixels at 360 and 1280 px."""

from __future__ import annotations

import pytest

from intake_server.clinic import load_facts
from tests.helpers.browser import axe_violations
from tests.helpers.viewports import WIDTHS, sized_page

pytestmark = pytest.mark.browser

LABELS = {
    "/crisis/": ["Call 988", "Text 988", "Chat online", "Call 911"],
    "/es/crisis/": [
        "Llame al 988 y marque 2",
        "Envíe AYUDA al 988",
        "Chatee en español",
        "Llame al 911",
    ],
}


@pytest.mark.parametrize("size", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("url", LABELS)
def test_the_crisis_page_leads_with_big_actions(browser, live_server, url: str, size) -> None:
    crisis = load_facts()["crisis"]
    hrefs = [
        crisis["lifeline_tel"],
        crisis["lifeline_sms"],
        crisis["lifeline_chat"],
        crisis["emergency_tel"],
    ]
    with sized_page(browser, live_server.url, size) as page:
        page.goto(live_server.url + url)
        # Right under the page's heading: nothing to read before the actions.
        first = page.evaluate(
            "() => document.querySelector('article h1').nextElementSibling.className"
        )
        assert first == "crisis-actions"
        actions = page.locator("article a.crisis-action")
        assert actions.count() == 4
        for n, (label, href) in enumerate(zip(LABELS[url], hrefs, strict=True)):
            action = actions.nth(n)
            assert action.get_attribute("href") == href
            assert label in action.inner_text()
            where = action.bounding_box()
            assert where and where["width"] >= 44 and where["height"] >= 44, (label, where)
        # The first action is on the first screen, below the sticky crisis bar and header.
        top = actions.first.bounding_box()
        assert top and top["y"] + top["height"] <= size[1], top
        text = page.locator("body").inner_text().lower()
        assert "press 3" not in text and "marque 3" not in text
        assert axe_violations(page) == []
