"""The staff store on its own: password checks that cost the same for unknown accounts, the
throttle on wrong passwords (per email and client), and the admins' alert when an account keeps
failing. Sign-in through the pages is tested in tests/staff/."""

from __future__ import annotations

import json
import time

import sqlalchemy as sa
from argon2 import PasswordHasher

from intake_server import passwords
from intake_server.services import services
from intake_server.storage.models import SignInThrottle
from intake_server.storage.staff import THROTTLE_AFTER
from tests.helpers.staff import PASSWORD, POLICY, STAFF, Harness


def test_unknown_email_costs_as_much_time_as_a_wrong_password(harness: Harness) -> None:
    harness.user(STAFF, enrolled=False)

    def fastest(email: str) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            harness.store.sign_in_password(email, "wrong wrong wrong", "127.0.0.1", POLICY)
            times.append(time.perf_counter() - start)
        return min(times)

    known, unknown = fastest(STAFF), fastest("nobody@clinic.example")
    assert unknown > 0.6 * known, (known, unknown)


def test_throttle_doubles_and_is_capped(harness: Harness) -> None:
    harness.user(STAFF, enrolled=False)
    waits = []
    for _ in range(12):
        result = harness.store.sign_in_password(STAFF, "wrong wrong wrong", "10.0.0.9", POLICY)
        assert result.reason == "wrong_password"
        if result.retry_after:
            waits.append(result.retry_after)
            paused = harness.store.sign_in_password(STAFF, PASSWORD, "10.0.0.9", POLICY)
            assert not paused.ok and paused.reason == "throttled"
            harness.clock.advance(seconds=result.retry_after)
    assert waits == [30, 60, 120, 240, 480, 900, 900, 900]
    assert harness.store.sign_in_password(STAFF, PASSWORD, "10.0.0.9", POLICY).ok


def test_every_attempt_checks_exactly_one_password_hash(harness: Harness, monkeypatch) -> None:
    """What makes the timing equal without timing anything: known or unknown, paused or not,
    each attempt runs the same argon2 verification once."""
    harness.user(STAFF, enrolled=False)
    checks: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            checks.append(str(password))
            return super().verify(hash, password)

    monkeypatch.setattr(passwords, "HASHER", CountingHasher())
    for email in (STAFF, "nobody@clinic.example"):
        for attempt in range(THROTTLE_AFTER + 2):  # the last two are paused
            before = len(checks)
            result = harness.store.sign_in_password(email, "wrong wrong", "10.0.0.7", POLICY)
            assert len(checks) == before + 1, (email, attempt)
            paused = attempt >= THROTTLE_AFTER
            assert result.reason == "throttled" if paused else result.reason != "throttled"


def test_pauses_are_per_client_and_forgotten_after_a_day(harness: Harness) -> None:
    harness.user(STAFF, enrolled=False)
    for _ in range(THROTTLE_AFTER):
        harness.store.sign_in_password(STAFF, "wrong wrong", "10.0.0.7", POLICY)
        harness.store.sign_in_password("nobody@clinic.example", "wrong wrong", "10.0.0.7", POLICY)
    stranger = harness.store.sign_in_password(STAFF, PASSWORD, "10.0.0.7", POLICY)
    assert stranger.reason == "throttled"
    assert harness.store.sign_in_password(STAFF, PASSWORD, "10.0.0.8", POLICY).ok
    engine = services(harness.app).engine
    assert table_rows(engine) == 3  # two paused pairs, and the owner's step in progress
    harness.clock.advance(days=1, seconds=1)
    harness.store.sign_in_password("else@clinic.example", "wrong wrong", "10.0.0.9", POLICY)
    assert table_rows(engine) == 1


def test_admins_hear_of_repeated_failures_at_10_20_40(harness: Harness) -> None:
    harness.user(STAFF, enrolled=False)
    alerted = []
    for n in range(1, 41):
        # A new address each time: no pause slows a spread-out guesser, but the count does.
        result = harness.store.sign_in_password(STAFF, "wrong wrong", f"10.0.1.{n}", POLICY)
        if result.alerted:
            alerted.append(n)
    assert alerted == [10, 20, 40]
    entries = [e for e in harness.audit() if e.action == "repeated_sign_in_failures"]
    assert [json.loads(e.detail) for e in entries] == [
        {"account": STAFF, "failures": n} for n in (10, 20, 40)
    ]
    # A full sign-in starts the count again.
    assert harness.store.sign_in_password(STAFF, PASSWORD, "10.0.2.1", POLICY).ok
    assert harness.store.find_account(STAFF) is not None


def table_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(SignInThrottle)).scalar_one()
