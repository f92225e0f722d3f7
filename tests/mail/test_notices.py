"""Notices to the clinic inbox: the text holds only the kind, urgency, reference and a link, and
the hook queues one in the submission's own transaction, with or without an app around it."""

from __future__ import annotations

import pytest
from flask import has_app_context

from intake_server.mail.notices import detail_url, notice_hook, submission_notice
from intake_server.services import services
from intake_server.storage import SubmissionStore
from tests.helpers.forms import CONSULTATION, send_form
from tests.helpers.mail import DASHBOARD, INBOX, outbox_rows
from tests.helpers.storage import store_submission


def test_notice_text_holds_only_kind_urgency_reference_and_link() -> None:
    link = detail_url(DASHBOARD + "/", "7KXM-Q4TZ")
    assert link == f"{DASHBOARD}/staff/submissions/7KXM-Q4TZ"
    subject, body = submission_notice("consultation", False, "7KXM-Q4TZ", link)
    assert subject == "New consultation request 7KXM-Q4TZ"
    assert "URGENT" not in subject + body
    assert "7KXM-Q4TZ" in body and link in body
    urgent_subject, urgent_body = submission_notice("assessment", True, "7KXM-Q4TZ", link)
    assert urgent_subject.startswith("URGENT")
    assert "personal assessment" in urgent_subject and "URGENT" in urgent_body
    with pytest.raises(ValueError):
        submission_notice("letter", False, "7KXM-Q4TZ", link)


def test_a_spanish_submission_notice_says_spanish_and_nothing_more() -> None:
    link = detail_url(DASHBOARD, "7KXM-Q4TZ")
    subject, body = submission_notice("consultation", False, "7KXM-Q4TZ", link, "es")
    assert subject == "New consultation request 7KXM-Q4TZ (Spanish)"
    assert "Language: Spanish (please call back in Spanish)" in body
    english_subject, english_body = submission_notice("consultation", False, "7KXM-Q4TZ", link)
    assert "Spanish" not in english_subject + english_body
    assert "Language: English" in english_body


def test_the_hook_names_the_language_the_form_was_sent_in(mail_app) -> None:
    send_form(mail_app.test_client(), "/es/consultation/", CONSULTATION)
    [row] = outbox_rows(mail_app)
    assert row.subject.endswith("(Spanish)") and "Language: Spanish" in row.body
    assert "Maria" not in row.subject + row.body  # still no answers in a mail


def test_the_link_is_the_dashboards_detail_page(app) -> None:
    built = app.url_map.bind("localhost").build("staff.detail", {"reference": "7KXM-Q4TZ"})
    assert detail_url(DASHBOARD, "7KXM-Q4TZ") == DASHBOARD + built


def test_no_inbox_configured_queues_and_sends_nothing(app) -> None:
    send_form(app.test_client(), "/consultation/", CONSULTATION)
    assert outbox_rows(app) == []
    assert services(app).send_mail_soon() is None


def test_the_hook_outside_an_app_context_never_fails_a_submission(mail_app) -> None:
    """The hook reads only the settings it was made with: a store that runs it where there is no
    app (a script, a job) stores the submission and queues its notice all the same."""
    first = send_form(mail_app.test_client(), "/consultation/", CONSULTATION)
    found = services(mail_app)
    store = SubmissionStore(found.engine, found.keyring, on_insert=[notice_hook(found.settings)])
    assert not has_app_context()
    second = store_submission(store)  # no app context: stored, never raised
    rows = outbox_rows(mail_app)
    assert [row.recipient for row in rows] == [INBOX, INBOX]
    assert first in rows[0].subject and second in rows[1].subject
