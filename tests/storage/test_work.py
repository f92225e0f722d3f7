"""Working the queue on SQLite and PostgreSQL: order, filters, claims, statuses, notes, links, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from intake_server.storage import (
    AuditLog,
    LinkUnusable,
    QueueFilter,
    SubmissionStore,
    WorkError,
    WorkStore,
    utc_now,
)
from tests.helpers.staff import staff_member as staff
from tests.helpers.storage import KEYRING, change, store_submission
from tests.helpers.threads import run_together


@pytest.fixture
def stores(engine):
    return SubmissionStore(engine, KEYRING), WorkStore(engine, KEYRING), AuditLog(engine)


def test_queue_is_urgent_first_then_oldest_with_counts(engine, stores) -> None:
    intake, work, _ = stores
    me = staff(engine, "ana@clinic.example")
    old = store_submission(intake)
    newer = store_submission(intake)
    urgent = store_submission(intake, urgent=True)
    change(engine, old, received_at=utc_now() - timedelta(days=3))
    page = work.queue(QueueFilter(), me=me.id)
    assert [r.reference for r in page.rows] == [urgent, old, newer]
    assert page.counts["new"] == 3 and page.total == 3
    assert not hasattr(page.rows[0], "payload")  # the list never decrypts
    assert work.queue(QueueFilter(urgent=True), me=me.id).total == 1
    assert work.queue(QueueFilter(kind="assessment"), me=me.id).total == 0
    work.claim(old, me)
    assert [r.reference for r in work.queue(QueueFilter(assignee="me"), me=me.id).rows] == [old]
    assert work.queue(QueueFilter(assignee="none"), me=me.id).total == 2
    assert (
        work.queue(QueueFilter(status="in_progress"), me=me.id).rows[0].assignee_email == me.email
    )


def test_pagination(engine, stores) -> None:
    intake, work, _ = stores
    me = staff(engine, "ana@clinic.example")
    refs = [store_submission(intake) for _ in range(7)]
    first = work.queue(QueueFilter(), me=me.id, page=1, per_page=3)
    last = work.queue(QueueFilter(), me=me.id, page=3, per_page=3)
    assert first.pages == 3 and len(first.rows) == 3 and len(last.rows) == 1
    assert [r.reference for r in first.rows] == refs[:3]


def test_two_staff_claiming_at_once_exactly_one_wins(engine, stores) -> None:
    intake, work, audit = stores
    people = [staff(engine, f"s{i}@clinic.example") for i in range(4)]
    for _ in range(5):
        reference = store_submission(intake)
        results = run_together(4, lambda i, ref=reference: work.claim(ref, people[i]))
        assert results.count(True) == 1, results
        winner = people[results.index(True)]
        row = work.detail(reference)
        assert row["assignee_id"] == winner.id and row["status"] == "in_progress"
        assert [e["action"] for e in row["timeline"]] == ["claimed"]
    assert audit.verify()[1] is None


def test_statuses_outcomes_reopen_and_reassign(engine, stores) -> None:
    intake, work, audit = stores
    ana, ben = staff(engine, "ana@clinic.example"), staff(engine, "ben@clinic.example")
    reference = store_submission(intake)
    assert work.claim(reference, ana)
    assert not work.claim(reference, ben)  # already taken
    for status in ("contacted", "evaluation_scheduled"):
        work.set_status(reference, ana, status)
    with pytest.raises(WorkError, match="outcome"):
        work.set_status(reference, ana, "closed")
    work.set_status(reference, ana, "closed", "admitted")
    closed = work.detail(reference)
    assert closed["status"] == "closed" and closed["outcome"] == "admitted" and closed["closed_at"]
    with pytest.raises(WorkError, match="Reopen"):
        work.set_status(reference, ana, "contacted")
    work.reopen(reference, ben)
    work.assign(reference, ben, ben.id)
    row = work.detail(reference)
    assert (
        row["status"] == "in_progress" and row["outcome"] is None and row["assignee_id"] == ben.id
    )
    actions = [e["action"] for e in row["timeline"]]
    assert actions == ["claimed", "status", "status", "status", "reopened", "assigned"]
    checked, broken = audit.verify()
    assert broken is None and checked == 6
    logged = [e.action for e in audit.search(reference=reference).entries]
    assert "status_changed" in logged and "reopened" in logged and "reassigned" in logged


def test_notes_are_encrypted_and_shown_in_the_timeline(engine, stores) -> None:
    intake, work, _ = stores
    ana = staff(engine, "ana@clinic.example")
    reference = store_submission(intake)
    work.add_note(reference, ana, "Left a voicemail QZXNOTE-7781")
    assert work.detail(reference)["timeline"][-1]["note"] == "Left a voicemail QZXNOTE-7781"
    with engine.connect() as conn:
        raw = conn.execute(sa.text("select note from submission_events")).scalar_one()
    assert b"QZXNOTE" not in bytes(raw)
    with pytest.raises(WorkError):
        work.add_note(reference, ana, "   ")


def test_assessment_link_is_single_use_and_attaches_to_the_consultation(engine, stores) -> None:
    intake, work, _ = stores
    ana = staff(engine, "ana@clinic.example")
    consultation = store_submission(intake)
    token = work.create_assessment_link(consultation, ana, timedelta(days=7))
    assert intake.link_usable(token)
    assessment = intake.add(
        "assessment", {"goals": ["Sleep"]}, urgent=False, idempotency_key="a" * 20, link_token=token
    ).reference
    assert not intake.link_usable(token)
    # The same form sent again (a double click, a lost answer) gets the first receipt back.
    again = intake.add(
        "assessment", {"goals": ["Sleep"]}, urgent=False, idempotency_key="a" * 20, link_token=token
    )
    assert again.reference == assessment and not again.created
    with pytest.raises(LinkUnusable):
        intake.add(
            "assessment", {"goals": ["x"]}, urgent=False, idempotency_key="b" * 20, link_token=token
        )
    linked = work.detail(consultation)["linked"]
    assert [s["reference"] for s in linked] == [assessment]
    assert linked[0]["payload"]["goals"] == ["Sleep"]
    assert work.detail(assessment)["linked"][0]["reference"] == consultation
    expired = work.create_assessment_link(consultation, ana, timedelta(days=-1))
    assert not intake.link_usable(expired)
    with pytest.raises(WorkError):
        work.create_assessment_link(assessment, ana, timedelta(days=7))


def test_two_submissions_racing_through_one_link_only_one_succeeds(engine, stores) -> None:
    intake, work, _ = stores
    ana = staff(engine, "ana@clinic.example")
    token = work.create_assessment_link(store_submission(intake), ana, timedelta(days=7))

    def send(i: int) -> str:
        try:
            intake.add(
                "assessment",
                {"goals": ["g"]},
                urgent=False,
                idempotency_key=f"race-{i}" * 4,
                link_token=token,
            )
        except LinkUnusable:
            return "refused"
        return "stored"

    assert sorted(run_together(3, send)) == ["refused", "refused", "stored"]


def test_urgency_is_changed_by_hand_with_a_reason_audited_and_on_the_timeline(
    engine, stores
) -> None:
    intake, work, audit = stores
    ana = staff(engine, "ana@clinic.example")
    reference = store_submission(intake, urgent=True)
    with pytest.raises(WorkError, match="Say why"):
        work.set_urgency(reference, ana, False, "   ")
    with pytest.raises(WorkError, match="already marked urgent"):
        work.set_urgency(reference, ana, True, "It is urgent")
    work.set_urgency(reference, ana, False, "Spoke to her QZXREASON: the words were a song lyric")
    detail = work.detail(reference)
    assert detail["urgent"] is False
    event = detail["timeline"][-1]
    assert event["action"] == "urgency" and event["urgent"] is False
    assert event["note"] == "Spoke to her QZXREASON: the words were a song lyric"
    assert work.queue(QueueFilter(urgent=True), me=ana.id).total == 0
    work.set_urgency(reference, ana, True, "Her mother called back, worried again")
    assert work.detail(reference)["urgent"] is True
    changes = audit.search(action="urgency_changed", reference=reference).entries
    assert [e.detail for e in reversed(changes)] == ['{"to":"not_urgent"}', '{"to":"urgent"}']
    assert all("QZX" not in e.detail for e in changes)
    with engine.connect() as conn:
        raw = b"".join(
            bytes(r)
            for r in conn.execute(sa.text("select note from submission_events")).scalars()
            if r
        )
    assert b"QZXREASON" not in raw
    with pytest.raises(WorkError, match="under 1000"):
        work.set_urgency(reference, ana, False, "x" * 1001)


# --- Possible duplicates --------------------------------------------------------------------


def _contact(phone: str, email: str | None = None) -> dict:
    return {"phone": phone, "email": email, "contact_method": "call", "best_time": "any"}


def test_possible_duplicates_match_on_phone_or_email_within_thirty_days(engine, stores) -> None:
    intake, work, _ = stores
    first = store_submission(intake, payload=_contact("+13145550111", "a@example.org"))
    same_phone = store_submission(intake, payload=_contact("+13145550111"))
    same_email = store_submission(intake, payload=_contact("+13145550199", "A@Example.org"))
    stranger = store_submission(intake, payload=_contact("+13145550123", "b@example.org"))
    old = store_submission(intake, payload=_contact("+13145550111"))
    change(engine, old, received_at=utc_now() - timedelta(days=31))
    other_kind = store_submission(intake, "assessment", payload=_contact("+13145550111"))

    extras = work.row_extras([first, same_phone, same_email, stranger, old, other_kind])
    assert set(extras[first].possible_duplicates) == {same_phone, same_email}
    assert extras[same_phone].possible_duplicates == (first,)
    assert extras[same_email].possible_duplicates == (first,)
    assert extras[stranger].possible_duplicates == ()
    assert extras[old].possible_duplicates == ()  # more than 30 days before the others
    assert extras[other_kind].possible_duplicates == ()
    assert (extras[first].contact_method, extras[first].best_time) == ("call", "any")
    assert work.detail(same_phone)["possible_duplicates"] == [first]


def test_closing_as_a_duplicate_is_one_audited_step(engine, stores) -> None:
    intake, work, log = stores
    ana = staff(engine, "ana@clinic.example")
    first = store_submission(intake, payload=_contact("+13145550111"))
    again = store_submission(intake, payload=_contact("+13145550111"))

    work.close_as_duplicate(again, ana, first.lower().replace("-", " "))

    closed = work.detail(again)
    assert (closed["status"], closed["outcome"], closed["duplicate_of"]) == (
        "closed",
        "duplicate",
        first,
    )
    assert closed["timeline"][-1]["action"] == "duplicate"
    assert closed["timeline"][-1]["duplicate_of"] == first
    # Once one is closed, neither shows the other as a possible duplicate any more.
    assert work.detail(first)["possible_duplicates"] == []
    entry = log.search(action="closed_as_duplicate").entries[0]
    assert entry.reference == again and first in entry.detail
    with pytest.raises(WorkError, match="already closed"):
        work.close_as_duplicate(again, ana, first)
    with pytest.raises(WorkError, match="No submission"):
        work.close_as_duplicate(first, ana, "ZZZZ-ZZZZ")
    with pytest.raises(WorkError, match="itself"):
        work.close_as_duplicate(first, ana, first)
    work.reopen(again, ana)
    assert work.detail(again)["duplicate_of"] is None
