"""The forms in Chromium at 360 px, filled by their visible labels as a person would."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import axe_violations, wait_for_focus

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}")


AGE_QUESTION = "How old is the person who needs care?"


def fill_consultation_for_loved_one(page, age_group: str | None = "18 or over") -> None:
    page.get_by_label("For someone I care about").check()
    if age_group:
        page.get_by_role("group", name=AGE_QUESTION).get_by_label(age_group, exact=True).check()
    page.get_by_label("Your name").fill("Maria Example")
    page.get_by_label("How do you know them?").fill("Mother")
    page.get_by_label("Their first name").fill("Sam")
    page.get_by_role("group", name="Do they know you are asking").get_by_label("Yes").check()
    page.get_by_label("Phone number").fill("314 555 0142")
    page.get_by_label("Email (optional)").fill("maria@example.org")
    page.get_by_label("Text message").check()
    page.get_by_label("Best time to reach you").select_option(label="Early evening (5 pm to 7 pm)")
    page.get_by_label("Insurance").select_option(label="Aetna")
    page.get_by_label("Anything you would like us to know").fill("He has been very low.")
    page.get_by_label("You may contact me").check()


def test_consultation_by_labels_reaches_a_confirmation(phone_page, live_server) -> None:
    page = phone_page
    page.goto(live_server.url + "/consultation/")
    assert axe_violations(page) == []
    fill_consultation_for_loved_one(page)
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url("**/received/")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Thank you. We have your request."
    assert REFERENCE.fullmatch(page.locator(".intake-reference").inner_text())
    assert page.locator(".crisis-bar").is_visible()
    # The person chose a text message: the confirmation says so, and offers no second request.
    expect(
        page.get_by_text(re.compile(r"We will text you within one business day \(by the end of "))
    ).to_be_visible()
    expect(page.get_by_role("link", name="Request a free consultation")).to_have_count(0)
    expect(page.locator(".intake-younger")).to_have_count(0)
    assert axe_violations(page) == []
    assert not page.watch.foreign() and not page.watch.errors


def test_the_age_question_explains_and_a_younger_person_gets_a_kind_pointer(
    phone_page, live_server
) -> None:
    page = phone_page
    page.goto(live_server.url + "/consultation/")
    group = page.get_by_role("group", name=AGE_QUESTION)
    expect(group).to_have_accessible_description(re.compile("adults aged 18 and over"))
    expect(group.get_by_label("Under 18")).to_be_visible()
    fill_consultation_for_loved_one(page, age_group="Under 18")
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url("**/received/")
    note = page.locator(".intake-younger")
    expect(note).to_be_visible()
    expect(note).to_contain_text("under 18")
    expect(note).to_contain_text("made for young people")
    assert axe_violations(page) == []


def test_a_missing_age_group_is_linked_from_the_summary(phone_page, live_server) -> None:
    page = phone_page
    page.goto(live_server.url + "/consultation/")
    fill_consultation_for_loved_one(page, age_group=None)
    page.get_by_role("button", name="Send my request").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    summary.get_by_role("link", name=re.compile("Choose whether the person")).click()
    assert page.evaluate("document.activeElement.id") == "age_group-0"
    assert page.get_by_label("Your name").input_value() == "Maria Example"
    assert axe_violations(page) == []


def test_invalid_consultation_shows_a_linked_summary_and_keeps_input(
    phone_page, live_server
) -> None:
    page = phone_page
    page.goto(live_server.url + "/consultation/")
    page.get_by_label("For someone I care about").check()
    page.get_by_label("Your name").fill("Maria Example")
    page.get_by_label("Phone number").fill("12")
    page.get_by_role("button", name="Send my request").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert summary.get_attribute("role") == "alert"
    wait_for_focus(page, "error-summary")
    assert page.title().startswith("Error: ")
    assert page.get_by_label("Your name").input_value() == "Maria Example"
    assert page.get_by_label("Phone number").input_value() == "12"
    summary.get_by_role("link", name=re.compile("Enter a phone number")).click()
    assert page.evaluate("document.activeElement.id") == "phone"
    assert axe_violations(page) == []


def test_a_birth_year_before_1900_says_so(phone_page, live_server) -> None:
    page = phone_page
    page.goto(live_server.url + "/assessment/")
    page.get_by_label("Your full name").fill("Sam Example")
    page.get_by_label("Date of birth").fill("1899-12-31")
    page.get_by_label("Phone number").fill("314-555-0199")
    page.get_by_label("Goal 1").fill("Sleep through the night")
    page.get_by_label("Depression").check()
    page.get_by_role("button", name="Send my answers").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    expect(summary).to_contain_text("Check the year: enter a date of birth in 1900 or later")
    expect(page.get_by_label("Date of birth")).to_have_accessible_description(
        re.compile("1900 or later")
    )
    assert axe_violations(page) == []


def test_assessment_by_labels_with_inline_crisis_help(phone_page, live_server) -> None:
    page = phone_page
    page.goto(live_server.url + "/assessment/")
    assert axe_violations(page) == []
    crisis = page.locator(".intake-crisis__box")
    assert not crisis.is_visible()
    page.get_by_label("Your full name").fill("Sam Example")
    page.get_by_label("Date of birth").fill("1990-03-14")
    page.get_by_label("Phone number").fill("314-555-0199")
    page.get_by_label("Goal 1").fill("Sleep through the night")
    page.get_by_label("Goal 2").fill("Call my brother again")
    page.get_by_label("Depression").check()
    page.get_by_label("Suicidal thoughts").check()
    assert crisis.is_visible(), "ticking a crisis choice shows 988 at once"
    assert crisis.get_by_role("link", name="988").first.get_attribute("href") == "tel:988"
    page.get_by_label("Your strengths").fill("My dog, and cooking.")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/received/")
    assert page.get_by_role("heading", name="Please do not wait for our call").is_visible()
    assert axe_violations(page) == []


def test_typing_crisis_words_shows_help_at_once(phone_page, live_server) -> None:
    page = phone_page
    page.goto(live_server.url + "/consultation/")
    box = page.locator(".intake-crisis__box")
    assert not box.is_visible()
    page.get_by_label("Anything you would like us to know").fill(
        "She says she wants to end my life... I mean hers"
    )
    expect(box).to_be_visible()


def test_someone_else_questions_hide_when_asking_for_yourself(phone_page, live_server) -> None:
    page = phone_page
    page.goto(live_server.url + "/consultation/")
    page.get_by_label("For me", exact=True).check()
    assert not page.get_by_label("Their first name").is_visible()
    page.get_by_label("For someone I care about").check()
    assert page.get_by_label("Their first name").is_visible()


def test_forms_work_with_javascript_off(browser, live_server) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/consultation/")
    fill_consultation_for_loved_one(page)
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url("**/received/")
    assert REFERENCE.fullmatch(page.locator(".intake-reference").inner_text())
    context.close()


def test_invalid_assessment_error_state_is_axe_clean(phone_page, live_server) -> None:
    page = phone_page
    page.goto(live_server.url + "/assessment/")
    page.get_by_role("checkbox", name="Something else").check()
    page.get_by_role("button", name="Send my answers").click()
    page.locator("#error-summary").wait_for()
    assert page.locator(".intake-error").count() >= 5
    assert axe_violations(page) == []
