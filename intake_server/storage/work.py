"""Working the queue: listing, reading, claiming and moving submissions, with their timeline.

Every change writes a timeline event and an audit entry in the same transaction as the change.
Listing never decrypts: the queue shows metadata only, so it stays fast at any size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Select, and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from intake_server.storage import audit
from intake_server.storage.audit import Actor
from intake_server.storage.clock import Clock, utc_now
from intake_server.storage.crypto import Keyring
from intake_server.storage.database import session_factory, writer_session_factory
from intake_server.storage.links import issue_link
from intake_server.storage.models import (
    KINDS,
    OUTCOMES,
    STATUSES,
    AssessmentLink,
    StaffUser,
    Submission,
    SubmissionEvent,
)
from intake_server.storage.records import find_submission, submission_record

OPEN_STATUSES = tuple(s for s in STATUSES if s != "closed")
# Two open submissions of one kind with the same phone number or email, sent within this long of
# each other, are shown as possible duplicates.
DUPLICATE_WINDOW = timedelta(days=30)
# The reason for a change of urgency, like a note, but shorter.
REASON_MAX = 1000


class WorkError(Exception):
    """A change that cannot be made as asked; the message is safe to show to staff."""


@dataclass(frozen=True)
class QueueFilter:
    status: str = "open"  # "open", "all" or one status
    kind: str | None = None
    assignee: str | None = None  # "me", "none", or a staff id as text
    urgent: bool | None = None


@dataclass(frozen=True)
class QueueRow:
    reference: str
    kind: str
    urgent: bool
    status: str
    outcome: str | None
    received_at: datetime
    assignee_email: str | None


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    per_page: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class RowExtras:
    """What a queue row shows beside the queue's own columns, read for one page's references."""

    updated_at: datetime
    contact_method: str | None
    best_time: str | None
    possible_duplicates: tuple[str, ...]


# Urgent first, then oldest: the order ix_submissions_queue_order is built for.
QUEUE_ORDER = (Submission.urgent.desc(), Submission.received_at, Submission.id)


def queue_rows() -> Select:
    """The queue's rows (metadata only, never the answers) in the queue's order, before filters
    and paging; the queue benchmark times its paging experiments on this same statement."""
    assignee = aliased(StaffUser)
    return (
        select(
            Submission.reference,
            Submission.kind,
            Submission.urgent,
            Submission.status,
            Submission.outcome,
            Submission.received_at,
            assignee.email,
        )
        .outerjoin(assignee, assignee.id == Submission.assignee_id)
        .order_by(*QUEUE_ORDER)
    )


class WorkStore:
    def __init__(self, engine: Engine, keyring: Keyring, clock: Clock = utc_now) -> None:
        self._read = session_factory(engine)
        self._write = writer_session_factory(engine)
        self._keyring = keyring
        self._clock = clock

    # --- Reading -------------------------------------------------------------------------

    def queue(
        self, filters: QueueFilter, *, me: int, page: int = 1, per_page: int = 50
    ) -> QueuePage:
        """Urgent first, then oldest first; counts per status ignore the status filter."""
        conditions = []
        if filters.kind in KINDS:
            conditions.append(Submission.kind == filters.kind)
        if filters.urgent is not None:
            conditions.append(Submission.urgent.is_(filters.urgent))
        if filters.assignee == "me":
            conditions.append(Submission.assignee_id == me)
        elif filters.assignee == "none":
            conditions.append(Submission.assignee_id.is_(None))
        elif filters.assignee and filters.assignee.isdigit():
            conditions.append(Submission.assignee_id == int(filters.assignee))
        if filters.status == "open":
            shown = set(OPEN_STATUSES)
        elif filters.status in STATUSES:
            shown = {filters.status}
        else:
            shown = set(STATUSES)
        page = max(1, page)
        with self._read() as session:
            counts = dict(
                session.execute(
                    select(Submission.status, func.count())
                    .where(*conditions)
                    .group_by(Submission.status)
                ).all()
            )
            # The counts already hold the total: no second count over the table.
            total = sum(counts.get(status, 0) for status in shown)
            where = [*conditions]
            if shown != set(STATUSES):
                where.append(Submission.status.in_(sorted(shown)))
            rows = session.execute(
                queue_rows().where(*where).limit(per_page).offset((page - 1) * per_page)
            ).all()
        return QueuePage(
            rows=[QueueRow(*row) for row in rows],
            total=total,
            page=page,
            per_page=per_page,
            counts={status: counts.get(status, 0) for status in STATUSES},
        )

    def exists(self, reference: str) -> bool:
        """Whether a submission has this reference (as typed), without decrypting anything."""
        with self._read() as session:
            return find_submission(session, reference) is not None

    def row_extras(self, references: list[str]) -> dict[str, RowExtras]:
        """The contact preference, last change and possible duplicates of the given rows: one
        look-up by reference and one by blind index, whatever the queue's size."""
        if not references:
            return {}
        with self._read() as session:
            rows = session.execute(
                select(
                    Submission.reference,
                    Submission.updated_at,
                    Submission.contact_method,
                    Submission.best_time,
                ).where(Submission.reference.in_(references))
            ).all()
            duplicates = _possible_duplicates(session, Submission.reference.in_(references))
        return {
            ref: RowExtras(updated, method, best, tuple(duplicates.get(ref, ())))
            for ref, updated, method, best in rows
        }

    def detail(self, reference: str) -> dict[str, Any] | None:
        """One submission decrypted, with its linked submissions, timeline and issued links."""
        with self._read() as session:
            row = find_submission(session, reference)
            if row is None:
                return None
            linked_ids = [row.consultation_id] if row.consultation_id else []
            linked_ids += session.scalars(
                select(Submission.id).where(Submission.consultation_id == row.id)
            ).all()
            linked = [self._summary(session, session.get(Submission, i)) for i in linked_ids]
            events = session.execute(
                select(SubmissionEvent, StaffUser.email)
                .outerjoin(StaffUser, StaffUser.id == SubmissionEvent.actor_id)
                .where(SubmissionEvent.submission_id == row.id)
                .order_by(SubmissionEvent.at, SubmissionEvent.id)
            ).all()
            assignees = dict(session.execute(select(StaffUser.id, StaffUser.email)).all())
            links = session.scalars(
                select(AssessmentLink)
                .where(AssessmentLink.consultation_id == row.id)
                .order_by(AssessmentLink.created_at)
            ).all()
            result = self._summary(session, row)
            duplicates = _possible_duplicates(session, Submission.id == row.id)
            references = dict(
                session.execute(
                    select(Submission.id, Submission.reference).where(
                        Submission.id.in_(
                            [row.duplicate_of_id] + [e.duplicate_of_id for e, _ in events]
                        )
                    )
                ).all()
            )
        result["possible_duplicates"] = duplicates.get(row.reference, [])
        result["duplicate_of"] = references.get(row.duplicate_of_id)
        result["linked"] = linked
        result["timeline"] = [
            {
                "at": event.at,
                "actor": email,
                "action": event.action,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "outcome": event.outcome,
                "assignee": assignees.get(event.assignee_id),
                "urgent": event.urgent,
                "duplicate_of": references.get(event.duplicate_of_id),
                "note": self._keyring.decrypt(event.note)["text"] if event.note else None,
            }
            for event, email in events
        ]
        result["links"] = [
            {"created_at": link.created_at, "expires_at": link.expires_at, "used_at": link.used_at}
            for link in links
        ]
        return result

    def _summary(self, session: Session, row: Submission) -> dict[str, Any]:
        assignee = session.get(StaffUser, row.assignee_id) if row.assignee_id else None
        return {
            "id": row.id,
            **submission_record(row, self._keyring),
            "assignee_id": row.assignee_id,
            "assignee_email": assignee.email if assignee else None,
        }

    def staff_members(self) -> list[tuple[int, str]]:
        """Active accounts, for the reassign menu and the assignee filter."""
        with self._read() as session:
            return list(
                session.execute(
                    select(StaffUser.id, StaffUser.email)
                    .where(StaffUser.disabled_at.is_(None))
                    .order_by(StaffUser.email)
                ).all()
            )

    # --- Changing ------------------------------------------------------------------------

    def claim(self, reference: str, actor: Actor) -> bool:
        """Take an unassigned submission. One conditional UPDATE: when two people claim at
        once, exactly one row changes and exactly one of them gets True."""
        with self._write.begin() as session:
            row = self._row(session, reference)
            now = self._clock()
            new_status = "in_progress" if row.status == "new" else row.status
            claimed = session.execute(
                update(Submission)
                .where(
                    and_(
                        Submission.id == row.id,
                        Submission.assignee_id.is_(None),
                        Submission.status != "closed",
                    )
                )
                .values(assignee_id=actor.id, status=new_status, updated_at=now)
            ).rowcount
            if claimed != 1:
                return False
            _record(
                session,
                row,
                actor,
                now,
                "claimed",
                from_status=row.status,
                to_status=new_status,
                assignee_id=actor.id,
            )
        return True

    def set_status(
        self, reference: str, actor: Actor, status: str, outcome: str | None = None
    ) -> None:
        if status not in STATUSES:
            raise WorkError("Choose a status from the list.")
        if status == "closed" and outcome not in OUTCOMES:
            raise WorkError("Choose an outcome to close this.")
        if status != "closed":
            outcome = None
        with self._write.begin() as session:
            row = self._row(session, reference)
            if row.status == "closed" and status != "closed":
                raise WorkError("This is closed. Reopen it first.")
            previous = row.status
            now = self._clock()
            row.status, row.outcome, row.updated_at = status, outcome, now
            row.closed_at = now if status == "closed" else None
            _record(
                session,
                row,
                actor,
                now,
                "status",
                audit_action="status_changed",
                detail={"from": previous, "to": status, "outcome": outcome},
                from_status=previous,
                to_status=status,
                outcome=outcome,
            )

    def close_as_duplicate(self, reference: str, actor: Actor, original: str) -> None:
        """Close `reference` as a duplicate of `original` in one step: status, outcome and the
        link between them, one timeline event and one audit entry."""
        with self._write.begin() as session:
            row = self._row(session, reference)
            other = find_submission(session, original)
            if other is None:
                raise WorkError("No submission has the reference it duplicates.")
            if other.id == row.id:
                raise WorkError("A submission cannot be a duplicate of itself.")
            if row.status == "closed":
                raise WorkError("This is already closed.")
            previous, now = row.status, self._clock()
            row.status, row.outcome, row.closed_at, row.updated_at = "closed", "duplicate", now, now
            row.duplicate_of_id = other.id
            _record(
                session,
                row,
                actor,
                now,
                "duplicate",
                audit_action="closed_as_duplicate",
                detail={"of": other.reference},
                from_status=previous,
                to_status="closed",
                outcome="duplicate",
                duplicate_of_id=other.id,
            )

    def reopen(self, reference: str, actor: Actor) -> None:
        with self._write.begin() as session:
            row = self._row(session, reference)
            if row.status != "closed":
                raise WorkError("Only a closed submission can be reopened.")
            if row.purged_at is not None:
                raise WorkError("This submission's details were removed; it cannot be reopened.")
            now = self._clock()
            status = "in_progress" if row.assignee_id else "new"
            row.status, row.outcome, row.closed_at, row.updated_at = status, None, None, now
            row.duplicate_of_id = None
            _record(session, row, actor, now, "reopened", from_status="closed", to_status=status)

    def assign(self, reference: str, actor: Actor, assignee_id: int | None) -> None:
        with self._write.begin() as session:
            row = self._row(session, reference)
            if assignee_id is not None:
                member = session.get(StaffUser, assignee_id)
                if member is None or member.disabled_at is not None:
                    raise WorkError("Choose an active staff member.")
            now = self._clock()
            row.assignee_id, row.updated_at = assignee_id, now
            _record(
                session,
                row,
                actor,
                now,
                "assigned",
                audit_action="reassigned",
                detail={"to": assignee_id},
                assignee_id=assignee_id,
            )

    def add_note(self, reference: str, actor: Actor, text: str) -> None:
        text = text.strip()
        if not text:
            raise WorkError("Write the note first.")
        with self._write.begin() as session:
            row = self._row(session, reference)
            if row.purged_at is not None:
                raise WorkError("This submission's details were removed.")
            note = self._keyring.encrypt({"text": text})
            _record(
                session, row, actor, self._clock(), "note", audit_action="note_added", note=note
            )

    def set_urgency(self, reference: str, actor: Actor, urgent: bool, reason: str) -> None:
        """Mark a submission urgent or not by hand. The reason is required, kept encrypted on the
        timeline (it may quote what the person wrote), and the change is audited."""
        reason = reason.strip()
        if not reason:
            raise WorkError("Say why, so colleagues can follow the decision.")
        if len(reason) > REASON_MAX:
            raise WorkError(f"Keep the reason under {REASON_MAX} characters.")
        with self._write.begin() as session:
            row = self._row(session, reference)
            if row.urgent == urgent:
                raise WorkError(f"It is already marked {'urgent' if urgent else 'not urgent'}.")
            now = self._clock()
            row.urgent, row.updated_at = urgent, now
            _record(
                session,
                row,
                actor,
                now,
                "urgency",
                audit_action="urgency_changed",
                detail={"to": "urgent" if urgent else "not_urgent"},
                urgent=urgent,
                note=self._keyring.encrypt({"text": reason}),
            )

    def create_assessment_link(self, reference: str, actor: Actor, ttl: timedelta) -> str:
        """A personal link to the assessment form for the person in this consultation."""
        with self._write.begin() as session:
            row = self._row(session, reference)
            if row.kind != "consultation":
                raise WorkError("Links are made from a consultation request.")
            now = self._clock()
            token = issue_link(session, row.id, actor.id, now, ttl)
            _record(
                session,
                row,
                actor,
                now,
                "link_created",
                audit_action="assessment_link_created",
                detail={"expires_days": ttl.days},
            )
        return token

    # --- Helpers -------------------------------------------------------------------------

    @staticmethod
    def _row(session: Session, reference: str) -> Submission:
        row = find_submission(session, reference)
        if row is None:
            raise WorkError("No submission has that reference.")
        return row


def _possible_duplicates(session: Session, chosen: Any) -> dict[str, list[str]]:
    """{reference: [references of its possible duplicates]} for the submissions `chosen`
    selects: open ones of the same kind whose phone or email blind index matches, received within
    DUPLICATE_WINDOW of each other. Compares stored hashes only; nothing is decrypted."""
    other = aliased(Submission)
    pairs = session.execute(
        select(Submission.reference, Submission.received_at, other.reference, other.received_at)
        .join(
            other,
            and_(
                other.id != Submission.id,
                other.kind == Submission.kind,
                or_(
                    and_(
                        Submission.phone_index.is_not(None),
                        other.phone_index == Submission.phone_index,
                    ),
                    and_(
                        Submission.email_index.is_not(None),
                        other.email_index == Submission.email_index,
                    ),
                ),
            ),
        )
        .where(chosen, Submission.status != "closed", other.status != "closed")
        .order_by(other.received_at)
    ).all()
    found: dict[str, list[str]] = {}
    for reference, received, match, match_received in pairs:
        if abs(received - match_received) <= DUPLICATE_WINDOW:
            found.setdefault(reference, []).append(match)
    return found


def _record(
    session: Session,
    row: Submission,
    actor: Actor,
    now: datetime,
    action: str,
    *,
    audit_action: str | None = None,
    detail: dict[str, Any] | None = None,
    **event: Any,
) -> None:
    """A change's timeline event and its audit entry, in the change's own transaction.
    `event` holds the timeline's columns (from_status, to_status, outcome, assignee_id, note)."""
    session.add(
        SubmissionEvent(submission_id=row.id, at=now, actor_id=actor.id, action=action, **event)
    )
    audit.append(
        session, audit_action or action, actor, at=now, reference=row.reference, detail=detail
    )
