"""Personal assessment links: a random token in the URL, only its hash in the database, single
use, with an expiry. Staff issue one from a consultation; the assessment sent through it is
attached to that consultation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intake_server.storage.models import AssessmentLink

TOKEN_BYTES = 32


class LinkUnusable(Exception):
    """The link was used already, has expired, or never existed."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(
    session: Session, consultation_id: int, created_by: int, now: datetime, ttl: timedelta
) -> str:
    """Create a link inside the caller's transaction and return its token (shown once)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        AssessmentLink(
            token_hash=token_hash(token),
            consultation_id=consultation_id,
            created_by=created_by,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return token


def link_is_usable(session: Session, token: str, now: datetime) -> bool:
    found = session.scalar(
        select(AssessmentLink.id).where(
            AssessmentLink.token_hash == token_hash(token),
            AssessmentLink.used_at.is_(None),
            AssessmentLink.expires_at > now,
        )
    )
    return found is not None


def redeem_link(session: Session, token: str, now: datetime) -> int:
    """Use the link up and return its consultation's id. One conditional UPDATE, so two
    submissions racing through the same link cannot both succeed."""
    consultation_id = session.scalar(
        update(AssessmentLink)
        .where(
            AssessmentLink.token_hash == token_hash(token),
            AssessmentLink.used_at.is_(None),
            AssessmentLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(AssessmentLink.consultation_id)
    )
    if consultation_id is None:
        raise LinkUnusable
    return consultation_id
