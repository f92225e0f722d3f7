"""Every /staff route, every method, walked from the URL map: nothing is open by accident.

New views added later are covered without touching this file, because the list of routes is read
from the running app, not written down here.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from test_staff_auth import ADMIN, STAFF, Harness, csrf, password_step, sign_in
from werkzeug.routing import IntegerConverter

from intake_server.staff.access import ANONYMOUS_ENDPOINTS, PASSWORD_STAGE_ENDPOINTS

SECOND_STEPS = {"/staff/sign-in/code", "/staff/enrol"}
SAMPLE_VALUES = {"session_id": "0" * 64, "reference": "ABC-1234"}


def staff_requests(app) -> Iterator[tuple[str, str, str]]:
    """(endpoint, method, path) for every rule under /staff and every method it answers."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff"):
            continue
        values = {
            name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x"
            for name in rule.arguments
        }
        values.update({k: v for k, v in SAMPLE_VALUES.items() if k in rule.arguments})
        path = adapter.build(rule.endpoint, values)
        for method in sorted(rule.methods or ()):
            yield rule.endpoint, method, path


def send(client, method: str, path: str, token: str | None = None):
    data = {"csrf_token": token} if token and method in ("POST", "PUT", "PATCH", "DELETE") else None
    return client.open(path, method=method, data=data)


def where(response) -> str:
    return urlsplit(response.location).path if response.location else ""


@pytest.fixture
def harness(app) -> Harness:
    return Harness(app)


@pytest.fixture
def user_secrets(harness: Harness) -> dict[str, str]:
    return {ADMIN: harness.user(ADMIN, "admin"), STAFF: harness.user(STAFF, "staff")}


def test_the_walk_covers_the_sign_in_and_admin_routes(app, harness) -> None:
    endpoints = {endpoint for endpoint, _, _ in staff_requests(app)}
    assert {
        "staff.sign_in",
        "staff.sign_in_code",
        "staff.enrol",
        "staff.sign_out",
        "staff.queue",
        "staff_admin.sessions",
        "staff_admin.revoke_session",
    } <= endpoints


def test_anonymous_requests_are_sent_to_sign_in(app, harness) -> None:
    client = harness.client()
    token = csrf(client.get("/staff/sign-in").text)  # a valid token must not open anything
    for endpoint, method, path in staff_requests(app):
        if endpoint in ANONYMOUS_ENDPOINTS:
            continue
        for with_token in (None, token):
            response = send(client, method, path, with_token)
            assert response.status_code in (303, 401, 403), (endpoint, method, response.status_code)
            if response.status_code == 303:
                assert where(response) == "/staff/sign-in", (endpoint, method, response.location)
            assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/staff/sign-in").status_code == 200


def test_a_password_stage_session_reaches_only_the_second_step(app, harness, user_secrets) -> None:
    client = harness.client()
    first = password_step(client, ADMIN)
    assert where(first) == "/staff/sign-in/code"
    token = csrf(client.get(first.location).text)
    reachable = set()
    for endpoint, method, path in staff_requests(app):
        if endpoint == "staff.sign_out":
            continue  # it would end the session this test walks with; checked below
        for with_token in (None, token):
            response = send(client, method, path, with_token)
            held_back = response.status_code == 303 and where(response) in SECOND_STEPS
            if endpoint in PASSWORD_STAGE_ENDPOINTS | ANONYMOUS_ENDPOINTS:
                reachable.add(endpoint)
                continue
            assert held_back, (endpoint, method, response.status_code, response.location)
    assert reachable == {"staff.sign_in", "staff.sign_in_code", "staff.enrol"}
    assert client.get("/staff/sign-in/code").status_code == 200  # still at the second step
    out = client.post("/staff/sign-out", data={"csrf_token": token})
    assert out.status_code == 303 and where(out) == "/staff/sign-in"


def test_staff_who_are_not_admins_get_403_on_every_admin_route(app, harness, user_secrets) -> None:
    client = harness.client()
    assert sign_in(harness, client, STAFF, user_secrets[STAFF]).status_code == 303
    token = csrf(client.get("/staff/admin/sessions").text)  # the 403 page's sign-out form
    admin_rules = [r for r in staff_requests(app) if r[2].startswith("/staff/admin/")]
    assert admin_rules
    for endpoint, method, path in admin_rules:
        for with_token in (None, token):
            response = send(client, method, path, with_token)
            assert response.status_code == 403, (endpoint, method, response.status_code)
            if method not in ("HEAD", "OPTIONS"):
                assert "only for administrators" in response.text
    # ...and the same person is let through the staff guard.
    assert client.get("/staff/").status_code != 303


def test_an_admin_passes_the_admin_guard(app, harness, user_secrets) -> None:
    client = harness.client()
    assert sign_in(harness, client, ADMIN, user_secrets[ADMIN]).status_code == 303
    token = csrf(client.get("/staff/admin/sessions").text)
    for endpoint, method, path in staff_requests(app):
        if not path.startswith("/staff/admin/"):
            continue
        response = send(client, method, path, token)
        assert response.status_code != 403, (endpoint, method)
        assert where(response) not in {"/staff/sign-in", *SECOND_STEPS}, (endpoint, method)
    assert client.get("/staff/admin/sessions").status_code == 200  # still signed in
