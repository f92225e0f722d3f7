"""Two instances of the service, as separate gunicorn servers on different ports, sharing one
PostgreSQL database and one Redis, behave as one service: what is sent to either is in both
queues, a claim race across them has exactly one winner, signing out on one signs out on both,
and a visitor's rate limit counts requests to both."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from testkit.clients import CONSULTATION, StaffBrowser, Visitor
from testkit.clients import create_enrolled_account as enrolled
from testkit.postgres import fresh_schema
from testkit.service import Deployment, Service
from tests.helpers.forms import csrf, reference_in
from tests.helpers.threads import run_together

pytestmark = pytest.mark.postgres
PASSWORD = "harbour willow ember sextant"
CLAIM_RACES = 5
ANA, BEN, CY, DEE = (f"{name}@clinic.example" for name in ("ana", "ben", "cy", "dee"))


@pytest.fixture(scope="module")
def deployment(
    site_dir: Path, postgres_url: str, redis_url: str
) -> Iterator[tuple[Deployment, dict]]:
    """One installation; its staff accounts (email -> TOTP secret) made through the storage layer."""
    with fresh_schema(postgres_url) as url:
        deployment = Deployment(
            site_dir,
            url,
            settings={
                "RATELIMIT_STORAGE_URI": redis_url,
                "RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(6)}",
            },
        )
        deployment.upgrade()
        services = deployment.services()
        accounts = {
            email: enrolled(services.staff, email, "staff", PASSWORD)
            # Each sign-in spends a time step's code, so each test signs in its own people.
            for email in (ANA, BEN, CY, DEE)
        }
        services.engine.dispose()
        yield deployment, accounts


@pytest.fixture(scope="module")
def pair(deployment) -> Iterator[tuple[Service, Service]]:
    with Service(deployment[0]) as first, Service(deployment[0]) as second:
        assert first.port != second.port
        yield first, second


def signed_in(service: Service, deployment, email: str) -> StaffBrowser:
    staff = StaffBrowser(service.url)
    staff.sign_in(email, PASSWORD, deployment[1][email])
    return staff


def send_consultation(service: Service) -> str:
    """A request through one instance; its reference, from the confirmation page."""
    visitor = Visitor(service.url)
    try:
        response = visitor.send(CONSULTATION, secrets.token_urlsafe(24))
        assert Visitor.acknowledged(response), response.status_code
        reference = reference_in(visitor.http.get("/received/").text)
    finally:
        visitor.close()
    assert reference
    return reference


def queue_html(staff: StaffBrowser, base_url: str) -> str:
    response = staff.http.get(f"{base_url}/staff/", params={"status": "all"})
    assert response.status_code == 200, response.status_code
    return response.text


def test_a_submission_to_either_instance_is_in_both_queues(pair, deployment) -> None:
    first, second = pair
    references = [send_consultation(first), send_consultation(second)]
    staff = signed_in(first, deployment, CY)
    try:
        for service in pair:
            html = queue_html(staff, service.url)  # one session cookie, either instance
            for reference in references:
                assert f"/staff/submissions/{reference}" in html, (service.url, reference)
    finally:
        staff.close()


def test_a_claim_race_across_instances_has_exactly_one_winner(pair, deployment) -> None:
    first, second = pair
    ana = signed_in(first, deployment, ANA)
    ben = signed_in(second, deployment, BEN)
    try:
        for _ in range(CLAIM_RACES):
            reference = send_consultation(first)
            path = f"/staff/submissions/{reference}"
            tokens = [
                (staff, staff.http.get(path).text) for staff in (ana, ben)
            ]  # each on its own instance, each with the form ready

            def claim(i: int, path: str = path, tokens: list = tokens) -> str:
                staff, page = tokens[i]
                response = staff.http.post(f"{path}/claim", data={"csrf_token": csrf(page)})
                assert response.status_code == 303, response.status_code
                return staff.http.get(path).text

            pages = run_together(2, claim)
            won = ["It is yours now." in page for page in pages]
            lost = ["Someone else claimed this first." in page for page in pages]
            assert sorted(won) == [False, True], won
            assert [not w for w in won] == lost
            winner = ANA if won[0] else BEN
            for service in pair:  # the timeline on either instance names one claim, the winner's
                detail = " ".join(ana.http.get(f"{service.url}{path}").text.split())
                assert detail.count("claimed it") == 1, detail
                assert (
                    f"{winner.split('@')[0].title()} claimed it" in detail
                )  # named as staff read it
        # Both instances wrote to the one audit trail at once; its hash chain did not fork.
        services = deployment[0].services()
        checked, broken_at = services.audit.verify()
        services.engine.dispose()
        assert broken_at is None and checked >= 2 * CLAIM_RACES
    finally:
        ana.close()
        ben.close()


def test_signing_out_on_one_instance_ends_the_session_on_both(pair, deployment) -> None:
    first, second = pair
    staff = signed_in(first, deployment, DEE)
    try:
        page = staff.http.get(f"{second.url}/staff/")
        assert page.status_code == 200  # the session made on the first works on the second
        session_cookie = staff.http.cookies["staff"]
        out = staff.http.post(f"{second.url}/staff/sign-out", data={"csrf_token": csrf(page.text)})
        assert out.status_code == 303
        assert "staff" not in staff.http.cookies  # the browser was told to forget it...
        for service in pair:  # ...and the old value, replayed, opens nothing on either instance
            stale = StaffBrowser(service.url)
            stale.http.cookies.set("staff", session_cookie)
            response = stale.http.get("/staff/")
            assert response.status_code == 303, (service.url, response.status_code)
            assert response.headers["location"].startswith("/staff/sign-in")
            stale.close()
    finally:
        staff.close()


def test_a_visitors_rate_limit_counts_requests_to_both_instances(deployment) -> None:
    """Counters live in the shared Redis: two sends to one instance use up the other's too."""
    limited = replace(
        deployment[0],
        settings={
            **deployment[0].settings,
            "FORM_RATE_LIMIT": "2 per minute",
            "RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(6)}",
        },
    )
    with Service(limited) as first, Service(limited) as second:
        for _ in range(2):
            send_consultation(first)
        visitor = Visitor(second.url)
        try:
            refused = visitor.send(CONSULTATION, secrets.token_urlsafe(24))
        finally:
            visitor.close()
    assert refused.status_code == 429
    assert "Maria Example" in refused.text  # the answers come back, nothing lost
