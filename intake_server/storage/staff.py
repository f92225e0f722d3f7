"""Staff accounts and their signed-in sessions: the only code that reads or writes those tables.

Each change runs in one writer transaction together with its audit entry, so the audit trail can
never miss a sign-in, a revocation or an account change that did happen. Throttling, one-time
codes and session rotation live here too, because each of them is a read-then-write on one row
that two requests must not interleave (the rows are locked on PostgreSQL; SQLite takes its write
lock at BEGIN).

Throttling counts failures per email address *and* client address: a client that keeps failing
is paused, for that address only, whether or not an account has it, so a pause neither tells a
stranger that an account exists nor keeps its owner out from anywhere else. Failures are also
counted per account, from anywhere, and admins are told when they pile up.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake_server.passwords import hash_password, needs_rehash, verify_dummy, verify_password
from intake_server.storage.audit import Actor, append
from intake_server.storage.clock import Clock, utc_now
from intake_server.storage.crypto import Keyring
from intake_server.storage.database import session_factory, writer_session_factory
from intake_server.storage.models import ROLES, SignInThrottle, StaffSession, StaffUser

TOKEN_BYTES = 32
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
# Between the password and the code: long enough to install an authenticator app, no longer.
PENDING_LIFETIME = timedelta(minutes=15)
# last_seen_at is written at most this often, so reading a page is not a write every time.
TOUCH_EVERY = timedelta(minutes=1)
THROTTLE_AFTER = 5
THROTTLE_FIRST = timedelta(seconds=30)
THROTTLE_CAP = timedelta(minutes=15)
# A pause's record is forgotten this long after the last failure it counted.
THROTTLE_MEMORY = timedelta(days=1)
# Admins are told when an account reaches 10 failures since its last full sign-in, then 20, 40,
# 80...: enough to notice someone guessing, never a mail per attempt.
ALERT_AFTER = 10
TOTP_VALID_WINDOW = 1

# Called in the failing attempt's own transaction when admins should hear of an account's failed
# sign-ins: (session, the account's email, failures since its last full sign-in, now).
FailureHook = Callable[[Session, str, int, datetime], None]


class AccountError(Exception):
    """An account change that cannot be made; the message says why, for a person."""


class AccountExists(AccountError):
    pass


class AccountNotFound(AccountError):
    pass


@dataclass(frozen=True)
class SessionPolicy:
    """The rules from configuration that every session check applies."""

    idle: timedelta
    lifetime: timedelta
    mfa_required: bool = True


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    role: str
    mfa_enrolled: bool
    disabled_at: datetime | None
    last_sign_in: datetime | None


@dataclass(frozen=True)
class LiveSession:
    """A session that may be used right now, with what the guards need about its person."""

    id: str
    user_id: int
    email: str
    role: str
    mfa_passed: bool
    mfa_enrolled: bool


@dataclass(frozen=True)
class SessionCheck:
    """The session behind a cookie, or why there is none: "idle", "lifetime" or "revoked"
    (None when the cookie matches nothing). `was_full` tells a timed-out sign-in from a
    timed-out working session, which deserve different words."""

    session: LiveSession | None
    ended: str | None = None
    was_full: bool = False


@dataclass(frozen=True)
class ActiveSession:
    id: str
    email: str
    role: str
    mfa_passed: bool
    created_at: datetime
    last_seen_at: datetime
    client_addr: str


@dataclass(frozen=True)
class StepResult:
    """The outcome of one sign-in step. `reason` is the audit's reason code on failure;
    `token` is the new cookie value on success (each step issues a new one)."""

    ok: bool
    reason: str | None = None
    token: str | None = None
    mfa_passed: bool = False
    needs_enrolment: bool = False
    retry_after: int | None = None
    # Admins were just told of repeated failures (a notice is waiting in the outbox).
    alerted: bool = False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def new_token() -> tuple[str, str]:
    """A cookie value and its session id: the id is a hash, so the table alone cannot sign in."""
    raw = secrets.token_bytes(TOKEN_BYTES)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii"), _hash(raw)


def session_id_for(token: str | None) -> str | None:
    """The session id a cookie value stands for, or None if the value is not a token at all."""
    if not token or not _TOKEN_SHAPE.fullmatch(token):
        return None
    return _hash(base64.urlsafe_b64decode(token + "="))


def _hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


class StaffStore:
    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        clock: Clock = utc_now,
        *,
        on_repeated_failures: Sequence[FailureHook] = (),
    ) -> None:
        """`on_repeated_failures` hooks queue the admins' notice in the same transaction."""
        self._read = session_factory(engine)
        self._write = writer_session_factory(engine)
        self._keyring = keyring
        self._clock = clock
        self._on_repeated_failures = tuple(on_repeated_failures)

    # --- Accounts ----------------------------------------------------------------------------

    def create_account(self, email: str, role: str, password_hash: str, actor: Actor) -> Account:
        email = normalise_email(email)
        if role not in ROLES:
            raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
        now = self._clock()
        try:
            with self._write.begin() as session:
                if session.scalar(select(StaffUser.id).where(StaffUser.email == email)):
                    raise AccountExists(f"There is already an account for {email}.")
                user = StaffUser(
                    email=email,
                    role=role,
                    password_hash=password_hash,
                    failed_sign_ins=0,
                    created_at=now,
                    password_changed_at=now,
                )
                session.add(user)
                session.flush()
                append(
                    session,
                    "account_created",
                    actor,
                    at=now,
                    detail={"account": email, "role": role},
                )
        except IntegrityError:
            raise AccountExists(f"There is already an account for {email}.") from None
        return Account(user.id, email, role, False, None, None)

    def accounts(self, email: str | None = None) -> list[Account]:
        """Every account (or the one with `email`), with the time of its last full sign-in."""
        last = (
            select(StaffSession.user_id, func.max(StaffSession.created_at).label("at"))
            .where(StaffSession.mfa_passed.is_(True))
            .group_by(StaffSession.user_id)
            .subquery()
        )
        query = select(StaffUser, last.c.at).outerjoin(last, last.c.user_id == StaffUser.id)
        if email is not None:
            query = query.where(StaffUser.email == normalise_email(email))
        with self._read() as session:
            rows = session.execute(query.order_by(StaffUser.email)).all()
        return [_account(user, at) for user, at in rows]

    def find_account(self, email: str) -> Account | None:
        found = self.accounts(email)
        return found[0] if found else None

    def disable_account(self, email: str, actor: Actor) -> tuple[bool, int]:
        """Disable an account and end its sessions: (was already disabled, sessions ended)."""
        now = self._clock()
        with self._write.begin() as session:
            user = self._user_for_update(session, email)
            already = user.disabled_at is not None
            if not already:
                user.disabled_at = now
            ended = self._revoke_all(session, user.id, now)
            append(
                session,
                "account_disabled",
                actor,
                at=now,
                detail={"account": user.email, "sessions_ended": ended, "already": already},
            )
        return already, ended

    def reset_password(
        self, email: str, password_hash: str, actor: Actor, *, reset_mfa: bool = False
    ) -> int:
        """Set a new password (and, if asked, remove the authenticator); returns sessions ended."""
        now = self._clock()
        with self._write.begin() as session:
            user = self._user_for_update(session, email)
            user.password_hash = password_hash
            user.password_changed_at = now
            user.failed_sign_ins = 0
            if reset_mfa:
                user.totp_secret = None
                user.totp_confirmed_at = None
                user.totp_last_step = None
            ended = self._revoke_all(session, user.id, now)
            append(
                session,
                "password_reset",
                actor,
                at=now,
                detail={"account": user.email, "mfa_reset": reset_mfa, "sessions_ended": ended},
            )
        return ended

    # --- Signing in ----------------------------------------------------------------------------

    def sign_in_password(
        self,
        email: str,
        password: str,
        client_addr: str | None,
        policy: SessionPolicy,
        *,
        replacing: str | None = None,
    ) -> StepResult:
        """The first step. An unknown email and a known one fail alike: the same pause after
        the same number of failures, and one password check each (a dummy hash when there is
        no account or while paused), so neither the answer nor its timing tells them apart.
        The reasons are for the audit trail only."""
        now = self._clock()
        anonymous = Actor(None, None, client_addr)
        with self._write.begin() as session:
            user = session.scalar(
                select(StaffUser).where(StaffUser.email == normalise_email(email)).with_for_update()
            )
            actor = anonymous if user is None else Actor(user.id, user.email, client_addr)
            throttle = _locked_throttle(session, email, client_addr, now)
            if wait := _pause_left(throttle, now):
                verify_dummy(password)
                return self._failed(session, "sign_in_failed", actor, "throttled", wait)
            if user is None:
                verify_dummy(password)
                return self._count_failure(session, throttle, None, anonymous, "unknown_account")
            if not verify_password(user.password_hash, password):
                return self._count_failure(session, throttle, user, actor, "wrong_password")
            if user.disabled_at is not None:
                return self._failed(session, "sign_in_failed", actor, "disabled")
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            if replacing:
                self._revoke(session, replacing, now)
            if not policy.mfa_required:
                _clear_failures(session, throttle, user)
                token = self._start(session, user.id, True, now, policy.lifetime, client_addr)
                append(session, "sign_in_ok", actor, at=now, detail={"mfa": "skipped"})
                return StepResult(True, token=token, mfa_passed=True)
            enrolled = user.totp_confirmed_at is not None
            if not enrolled:
                # A secret shown in an earlier, unfinished enrolment is never reused.
                user.totp_secret = None
            token = self._start(session, user.id, False, now, PENDING_LIFETIME, client_addr)
            append(session, "sign_in_password_ok", actor, at=now, detail={"mfa_enrolled": enrolled})
            return StepResult(True, token=token, needs_enrolment=not enrolled)

    def sign_in_code(
        self, session_id: str, code: str, client_addr: str | None, policy: SessionPolicy
    ) -> StepResult:
        """The second step: a code from the enrolled authenticator, each time step once only."""
        return self._code_step(session_id, code, client_addr, policy, enrolling=False)

    def enrolment_secret(self, session_id: str) -> str | None:
        """The new TOTP secret for a password-stage session whose account has none confirmed,
        made on first request and kept (encrypted) until confirmed or replaced."""
        now = self._clock()
        with self._write.begin() as session:
            found = self._pending(session, session_id, now)
            if found is None:
                return None
            user = found[1]
            if user.totp_confirmed_at is not None:
                return None
            if user.totp_secret is None:
                user.totp_secret = self._keyring.encrypt({"totp": pyotp.random_base32()})
            return str(self._keyring.decrypt(user.totp_secret)["totp"])

    def confirm_enrolment(
        self, session_id: str, code: str, client_addr: str | None, policy: SessionPolicy
    ) -> StepResult:
        return self._code_step(session_id, code, client_addr, policy, enrolling=True)

    def _code_step(
        self,
        session_id: str,
        code: str,
        client_addr: str | None,
        policy: SessionPolicy,
        *,
        enrolling: bool,
    ) -> StepResult:
        now = self._clock()
        stage = {"stage": "enrolment"} if enrolling else {}
        with self._write.begin() as session:
            found = self._pending(session, session_id, now)
            if found is None:
                return StepResult(False, "session_ended")
            pending, user = found
            actor = Actor(user.id, user.email, client_addr)
            if user.disabled_at is not None:
                pending.revoked_at = now
                return self._failed(session, "sign_in_code_failed", actor, "disabled", **stage)
            if enrolling == (user.totp_confirmed_at is not None) or user.totp_secret is None:
                return StepResult(False, "wrong_step")
            throttle = _locked_throttle(session, user.email, client_addr, now)
            if wait := _pause_left(throttle, now):
                return self._failed(
                    session, "sign_in_code_failed", actor, "throttled", wait, **stage
                )
            secret = str(self._keyring.decrypt(user.totp_secret)["totp"])
            step = _matching_step(secret, code, now)
            if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
                reason = "wrong_code" if step is None else "reused_code"
                return self._count_failure(
                    session, throttle, user, actor, reason, "sign_in_code_failed", **stage
                )
            user.totp_last_step = step
            _clear_failures(session, throttle, user)
            if enrolling:
                user.totp_confirmed_at = now
                append(session, "mfa_enrolled", actor, at=now)
            pending.revoked_at = now
            token = self._start(session, user.id, True, now, policy.lifetime, client_addr)
            append(session, "sign_in_ok", actor, at=now, detail={"mfa": "totp"})
            return StepResult(True, token=token, mfa_passed=True)

    # --- Sessions ------------------------------------------------------------------------------

    def check_session(self, session_id: str, policy: SessionPolicy) -> SessionCheck:
        """The session for a request. An expired or idle one is ended (and audited) on the spot;
        a live one is touched at most once a minute."""
        now = self._clock()
        with self._read() as session:
            row = session.execute(
                select(StaffSession, StaffUser)
                .join(StaffUser, StaffUser.id == StaffSession.user_id)
                .where(StaffSession.id == session_id)
            ).first()
        if row is None:
            return SessionCheck(None)
        found, user = row
        if found.revoked_at is not None or user.disabled_at is not None:
            return SessionCheck(None, "revoked", found.mfa_passed)
        ended = _ended(found, now, policy.idle)
        if ended:
            self._expire(session_id, ended, now)
            return SessionCheck(None, ended, found.mfa_passed)
        if now - found.last_seen_at >= TOUCH_EVERY:
            with self._write.begin() as session:
                session.execute(
                    update(StaffSession)
                    .where(StaffSession.id == session_id, StaffSession.revoked_at.is_(None))
                    .values(last_seen_at=now)
                )
        return SessionCheck(
            LiveSession(
                id=found.id,
                user_id=user.id,
                email=user.email,
                role=user.role,
                mfa_passed=found.mfa_passed,
                mfa_enrolled=user.totp_confirmed_at is not None,
            )
        )

    def sign_out(self, session_id: str, actor: Actor) -> bool:
        now = self._clock()
        with self._write.begin() as session:
            if not self._revoke(session, session_id, now):
                return False
            append(session, "sign_out", actor, at=now)
        return True

    def revoke_session(self, session_id: str, actor: Actor) -> bool:
        """An admin ends someone's session; False if it had already ended."""
        now = self._clock()
        with self._write.begin() as session:
            found = session.get(StaffSession, session_id, with_for_update=True)
            if found is None or found.revoked_at is not None:
                return False
            found.revoked_at = now
            owner = session.get(StaffUser, found.user_id)
            append(
                session,
                "session_revoked",
                actor,
                at=now,
                detail={"account": owner.email if owner else None, "session": session_id[:12]},
            )
        return True

    def active_sessions(self, policy: SessionPolicy) -> list[ActiveSession]:
        now = self._clock()
        with self._read() as session:
            rows = session.execute(
                select(StaffSession, StaffUser.email, StaffUser.role)
                .join(StaffUser, StaffUser.id == StaffSession.user_id)
                .where(
                    StaffSession.revoked_at.is_(None),
                    StaffSession.expires_at > now,
                    StaffSession.last_seen_at > now - policy.idle,
                    StaffUser.disabled_at.is_(None),
                )
                .order_by(StaffSession.last_seen_at.desc())
            ).all()
        return [
            ActiveSession(
                id=s.id,
                email=email,
                role=role,
                mfa_passed=s.mfa_passed,
                created_at=s.created_at,
                last_seen_at=s.last_seen_at,
                client_addr=s.client_addr,
            )
            for s, email, role in rows
        ]

    # --- Helpers -----------------------------------------------------------------------------

    def _start(
        self,
        session: Session,
        user_id: int,
        mfa_passed: bool,
        now: datetime,
        lifetime: timedelta,
        client_addr: str | None,
    ) -> str:
        token, session_id = new_token()
        session.add(
            StaffSession(
                id=session_id,
                user_id=user_id,
                mfa_passed=mfa_passed,
                created_at=now,
                last_seen_at=now,
                expires_at=now + lifetime,
                client_addr=(client_addr or "unknown")[:64],
            )
        )
        return token

    def _pending(
        self, session: Session, session_id: str, now: datetime
    ) -> tuple[StaffSession, StaffUser] | None:
        """A live password-stage session and its account, both locked for the rest of the step."""
        found = session.get(StaffSession, session_id, with_for_update=True)
        if (
            found is None
            or found.mfa_passed
            or found.revoked_at is not None
            or now >= found.expires_at
        ):
            return None
        user = session.get(StaffUser, found.user_id, with_for_update=True)
        return (found, user) if user is not None else None

    def _revoke(self, session: Session, session_id: str, now: datetime) -> bool:
        result = session.execute(
            update(StaffSession)
            .where(StaffSession.id == session_id, StaffSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return bool(result.rowcount)

    def _revoke_all(self, session: Session, user_id: int, now: datetime) -> int:
        result = session.execute(
            update(StaffSession)
            .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount or 0)

    def _expire(self, session_id: str, reason: str, now: datetime) -> None:
        with self._write.begin() as session:
            found = session.get(StaffSession, session_id, with_for_update=True)
            if found is None or found.revoked_at is not None:
                return  # another request ended it first, and audited it
            found.revoked_at = now
            owner = session.get(StaffUser, found.user_id)
            append(
                session,
                "session_expired",
                Actor(found.user_id, owner.email if owner else None, None),
                at=now,
                detail={"reason": reason, "stage": "full" if found.mfa_passed else "password"},
            )

    def _user_for_update(self, session: Session, email: str) -> StaffUser:
        email = normalise_email(email)
        user = session.scalar(select(StaffUser).where(StaffUser.email == email).with_for_update())
        if user is None:
            raise AccountNotFound(f"There is no account for {email}.")
        return user

    def _failed(
        self,
        session: Session,
        action: str,
        actor: Actor,
        reason: str,
        retry_after: int | None = None,
        **detail: str,
    ) -> StepResult:
        append(session, action, actor, at=self._clock(), detail={"reason": reason, **detail})
        return StepResult(False, reason, retry_after=retry_after)

    def _count_failure(
        self,
        session: Session,
        throttle: SignInThrottle,
        user: StaffUser | None,
        actor: Actor,
        reason: str,
        action: str = "sign_in_failed",
        **detail: str,
    ) -> StepResult:
        """One more failure for this email from this client (paused from the fifth on, for a
        time that doubles each time, capped) and, for an account, one more since its last full
        sign-in, which admins hear about when they pile up."""
        now = self._clock()
        throttle.failures += 1
        throttle.updated_at = now
        wait = None
        if throttle.failures >= THROTTLE_AFTER:
            doublings = min(throttle.failures - THROTTLE_AFTER, 10)
            delay = min(THROTTLE_FIRST * 2**doublings, THROTTLE_CAP)
            throttle.throttled_until = now + delay
            wait = int(delay.total_seconds())
        result = self._failed(session, action, actor, reason, wait, **detail)
        if user is None:
            return result
        user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
        if not _alert_due(user.failed_sign_ins):
            return result
        append(
            session,
            "repeated_sign_in_failures",
            actor,
            at=now,
            detail={"account": user.email, "failures": user.failed_sign_ins},
        )
        for hook in self._on_repeated_failures:
            hook(session, user.email, user.failed_sign_ins, now)
        return StepResult(False, reason, retry_after=wait, alerted=True)


def _account(user: StaffUser, last_sign_in: datetime | None) -> Account:
    if last_sign_in is not None and last_sign_in.tzinfo is None:
        # max() over a SQLite column comes back as text-typed naive UTC.
        last_sign_in = last_sign_in.replace(tzinfo=UTC)
    return Account(
        id=user.id,
        email=user.email,
        role=user.role,
        mfa_enrolled=user.totp_confirmed_at is not None,
        disabled_at=user.disabled_at,
        last_sign_in=last_sign_in,
    )


def _ended(found: StaffSession, now: datetime, idle: timedelta) -> str | None:
    if now >= found.expires_at:
        return "lifetime"
    if now - found.last_seen_at >= idle:
        return "idle"
    return None


def _throttle_key(email: str, client_addr: str | None) -> str:
    """The row for this email from this client: a hash, so the table lists neither."""
    pair = f"{normalise_email(email)}\n{client_addr or 'unknown'}"
    return hashlib.sha256(pair.encode("utf-8")).hexdigest()


def _locked_throttle(
    session: Session, email: str, client_addr: str | None, now: datetime
) -> SignInThrottle:
    """The pair's row, made if it is new (with the updated_at of now, so a row is forgotten a
    day after its last attempt) and locked for the rest of the step: two attempts at once must
    not both count from the same number (PostgreSQL locks the row; SQLite's writer holds the
    database)."""
    key = _throttle_key(email, client_addr)
    # Old rows go first, so the table holds no more than a day of attempts.
    session.execute(delete(SignInThrottle).where(SignInThrottle.updated_at < now - THROTTLE_MEMORY))
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(SignInThrottle)
        .values(key=key, failures=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    throttle = session.get(SignInThrottle, key, with_for_update=True, populate_existing=True)
    assert throttle is not None
    return throttle


def _pause_left(throttle: SignInThrottle, now: datetime) -> int | None:
    """Whole seconds until this client may try this email again, or None if it may now."""
    if throttle.throttled_until is None or throttle.throttled_until <= now:
        return None
    return max(1, int((throttle.throttled_until - now).total_seconds() + 0.999))


def _alert_due(failures: int) -> bool:
    """At ALERT_AFTER failures, then each time the count doubles."""
    rounds, rest = divmod(failures, ALERT_AFTER)
    return rest == 0 and rounds > 0 and rounds & (rounds - 1) == 0


def _clear_failures(session: Session, throttle: SignInThrottle, user: StaffUser) -> None:
    """A full sign-in: this client starts afresh with this email, and so does the account."""
    session.delete(throttle)
    user.failed_sign_ins = 0


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is, within one step either side (clock drift), or None."""
    totp = pyotp.TOTP(secret)
    if not re.fullmatch(r"[0-9]{6}", code):
        return None
    current = totp.timecode(now)
    for offset in sorted(range(-TOTP_VALID_WINDOW, TOTP_VALID_WINDOW + 1), key=abs):
        step = current + offset
        if totp.verify(code, for_time=step * totp.interval):
            return step
    return None
