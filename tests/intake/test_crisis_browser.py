"""Crisis help in Chromium: the live check as people type or paste, the confirmation with
JavaScript off, and the browser's matcher agreeing with the server's on every corpus line."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from intake_server.intake.crisis import find
from testkit.crisis_corpus import SPLITS, read_split
from tests.helpers.browser import axe_violations

pytestmark = pytest.mark.browser

MESSAGE = "Anything you would like us to know"


def open_form(page, url: str, path: str = "/consultation/") -> None:
    page.goto(url + path)
    # The tables come when the person first reaches a field, not with the page.
    page.wait_for_load_state("networkidle")
    assert not any("crisis-language" in u for u in page.watch.requests)
    page.locator("form.intake-form input:not([type=hidden])").first.focus()
    # The live check is ready once the server's table has arrived.
    page.locator("form.intake-form[data-crisis-ready]").wait_for(state="attached")


def test_help_appears_as_a_family_member_types(phone_page, live_server) -> None:
    page = phone_page
    open_form(page, live_server.url)
    box = page.locator(".intake-crisis__box")
    field = page.get_by_label(MESSAGE)
    field.click()
    page.keyboard.type("My daughter is 15. She told a friend she ")
    expect(box).to_be_hidden()
    page.keyboard.type("wants to die.")
    expect(box).to_be_visible()
    text = box.inner_text()
    assert "If you or the person you are asking for is in danger now, call 911" in text
    hrefs = {a.get_attribute("href") for a in box.get_by_role("link").all()}
    assert {"tel:911", "tel:988", "sms:988", "https://988lifeline.org/chat/"} <= hrefs
    assert axe_violations(page) == []
    assert not page.watch.foreign() and not page.watch.errors


def test_help_appears_for_pasted_text(phone_page, live_server) -> None:
    page = phone_page
    open_form(page, live_server.url)
    page.get_by_label(MESSAGE).focus()
    page.keyboard.insert_text("I keep thinking about how to unalive myself")  # as a paste does
    expect(page.locator(".intake-crisis__box")).to_be_visible()


def test_everyday_words_leave_the_form_calm(phone_page, live_server) -> None:
    page = phone_page
    open_form(page, live_server.url, "/assessment/")
    page.get_by_label("Goal 1").fill("Stop my job killing me; I'm dying to start")
    page.get_by_label("Your strengths").fill("Cut back on drinking, killing time less")
    page.get_by_label("Goal 2").press("End")
    expect(page.locator(".intake-crisis__box")).to_be_hidden()


def test_with_javascript_off_help_is_on_the_confirmation(browser, live_server) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/consultation/")
    page.get_by_label("For someone I care about").check()
    page.get_by_label("18 or over").check()
    page.get_by_label("Your name").fill("Sam Father")
    page.get_by_label("How do you know them?").fill("Father")
    page.get_by_label("Their first name").fill("Riley")
    page.get_by_role("group", name="Do they know you are asking").get_by_label("Yes").check()
    page.get_by_label("Phone number").fill("314 555 0142")
    page.get_by_label("Insurance").select_option(label="I'm not sure")
    page.get_by_label(MESSAGE).fill(
        "Riley is 15. She told her friend she wants to die and has been cutting herself."
    )
    page.get_by_label("You may contact me").check()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url("**/received/")
    help_box = page.locator(".intake-crisis__box")
    assert help_box.get_by_role("heading", name="Please do not wait for our call").is_visible()
    assert "If you or the person you are asking for is in danger now" in help_box.inner_text()
    # The confirmation still says when the clinic will be in touch.
    assert "within one business day" in page.locator("main").inner_text()
    # (axe-core needs JavaScript: the same page is checked with it on, in test_browser.py.)
    context.close()


def test_the_browser_and_the_server_agree_on_every_corpus_line(phone_page, live_server) -> None:
    page = phone_page
    open_form(page, live_server.url)
    lines = [line.text for split in SPLITS for line in read_split(split)]
    in_browser = page.evaluate(
        """async (lines) => {
            const tables = await (await fetch("/crisis-language.json")).json();
            const found = window.CrisisLanguage.detectorsFor(tables);
            return lines.map((line) =>
                window.CrisisLanguage.findAll(found, line).map((m) => [m.kind, m.text]));
        }""",
        lines,
    )
    on_server = [[[m.kind, m.text] for m in find(line)] for line in lines]
    disagree = [
        (line, here, there)
        for line, here, there in zip(lines, in_browser, on_server, strict=True)
        if here != there
    ]
    assert len(lines) >= 300 and disagree == []
    assert sum(bool(found) for found in on_server) > 200  # the lines do exercise the rules
