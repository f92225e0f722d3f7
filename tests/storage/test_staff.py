"""The staff store on its own: password checks that cost the same for unknown accounts, and the
throttle on wrong passwords. Sign-in through the pages is tested in tests/staff/."""

from __future__ import annotations

import time

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
