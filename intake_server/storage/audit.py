"""The audit trail: append-only and tamper-evident.

Each entry's hash covers its own fields and the previous entry's hash, so editing, deleting or
reordering any entry breaks every hash after it, and `verify` finds the first break. Writers are
serialized (an advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite) so the chain never forks.
Entries hold references, actions and staff identities, never PHI.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from intake_server.storage.clock import Clock, utc_now
from intake_server.storage.database import session_factory, writer_session_factory
from intake_server.storage.models import AuditEntry

GENESIS = "0" * 64
# Any fixed number: the key of the advisory lock that serializes audit writers on PostgreSQL.
AUDIT_LOCK_KEY = 7_270_001


@dataclass(frozen=True)
class Actor:
    """Who did something: a staff member, or (id None) someone not signed in."""

    id: int | None
    email: str | None
    client_addr: str | None


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    body = json.dumps(
        [
            prev_hash,
            entry.at.isoformat(),
            entry.actor_id,
            entry.actor_email,
            entry.action,
            entry.reference,
            entry.client_addr,
            entry.detail,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def append(
    session: Session,
    action: str,
    actor: Actor,
    *,
    at: datetime,
    reference: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an entry inside the caller's transaction, so the entry and the change it records
    commit together or not at all. The session must come from a writer session factory; `at`
    is the caller's "now", from its own clock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("select pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    prev_hash = (
        session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
    )
    entry = AuditEntry(
        at=at,
        actor_id=actor.id,
        actor_email=actor.email,
        action=action,
        reference=reference,
        client_addr=actor.client_addr,
        detail=json.dumps(detail or {}, sort_keys=True, separators=(",", ":")),
        prev_hash=prev_hash,
    )
    entry.hash = _digest(prev_hash, entry)
    session.add(entry)
    session.flush()


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int


class AuditLog:
    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self._read = session_factory(engine)
        self._write = writer_session_factory(engine)
        self._clock = clock

    def record(
        self,
        action: str,
        actor: Actor,
        *,
        reference: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """An entry of its own, for events that change nothing else (a sign-in, a view, an export)."""
        with self._write.begin() as session:
            append(session, action, actor, at=self._clock(), reference=reference, detail=detail)

    def search(
        self,
        *,
        action: str | None = None,
        actor_email: str | None = None,
        reference: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> AuditPage:
        conditions = []
        if action:
            conditions.append(AuditEntry.action == action)
        if actor_email:
            conditions.append(AuditEntry.actor_email == actor_email.strip().lower())
        if reference:
            conditions.append(AuditEntry.reference == reference.strip().upper())
        if since:
            conditions.append(AuditEntry.at >= since)
        if until:
            conditions.append(AuditEntry.at < until)
        with self._read() as session:
            total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
            rows = session.scalars(
                select(AuditEntry)
                .where(*conditions)
                .order_by(AuditEntry.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        return AuditPage(entries=list(rows), total=total or 0)

    def actions(self) -> list[str]:
        with self._read() as session:
            return list(
                session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
            )

    def verify(self, batch_size: int = 1000) -> tuple[int, int | None]:
        """Walk the chain from the start: (entries checked, id of the first bad entry or None)."""
        prev_hash, checked, last_id = GENESIS, 0, 0
        with self._read() as session:
            while True:
                batch = session.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.id > last_id)
                    .order_by(AuditEntry.id)
                    .limit(batch_size)
                ).all()
                if not batch:
                    return checked, None
                for entry in batch:
                    if entry.prev_hash != prev_hash or _digest(prev_hash, entry) != entry.hash:
                        return checked, entry.id
                    prev_hash, checked, last_id = entry.hash, checked + 1, entry.id
