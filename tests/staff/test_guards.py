"""The guards that close every /staff route: walked route by route from the URL map, so nothing
is open by accident; where a person may be sent after signing in; and no-store on every answer.

New views added later are covered without touching this file, because the list of routes is read
from the running app, not written down here.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from intake_server.staff.guards import ANONYMOUS_ENDPOINTS, PASSWORD_STAGE_ENDPOINTS, safe_next
from tests.helpers.forms import csrf, submit
from tests.helpers.staff import ADMIN, STAFF, Harness, password_step, sign_in

SECOND_STEPS = {"/staff/sign-in/code", "/staff/enrol"}
SAMPLE_VALUES = {"session_id": "0" * 64, "reference": "ABC-1234"}


# --- Every route, every method -------------------------------------------------------------


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
    assert sign_in(client, STAFF, code=harness.code(user_secrets[STAFF])).status_code == 303
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
    assert sign_in(client, ADMIN, code=harness.code(user_secrets[ADMIN])).status_code == 303
    token = csrf(client.get("/staff/admin/sessions").text)
    for endpoint, method, path in staff_requests(app):
        if not path.startswith("/staff/admin/"):
            continue
        response = send(client, method, path, token)
        assert response.status_code != 403, (endpoint, method)
        assert where(response) not in {"/staff/sign-in", *SECOND_STEPS}, (endpoint, method)
    assert client.get("/staff/admin/sessions").status_code == 200  # still signed in


# --- Where people are sent after signing in ------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/staff/",
        "/staff/submissions/ABC-1234",
        "/staff/?status=new&page=2",
        "/staff/admin/audit?actor=ana%40clinic.example",
    ],
)
def test_safe_next_keeps_paths_under_staff(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/staff/",
        "//evil.example/staff/",
        "/staff//evil.example",
        "///evil.example",
        "/\\evil.example",
        "/staff/\\evil.example",
        "/staff/%5Cevil.example",
        "/staff/%2F%2Fevil.example",
        "/staff/../public",
        "/staff/%2e%2e/public",
        "/staff",
        "/public/staff/",
        "staff/",
        "javascript:alert(1)",
        "/staff/\r\nSet-Cookie: x=1",
        "/staff/%0d%0aSet-Cookie:x",
        "/staff/ x",
        "/staff/sign-in",
        "/staff/sign-out",
        "/staff/enrol?next=/staff/",
        "http:/staff/",
    ],
)
def test_safe_next_refuses_everything_else(target: str | None) -> None:
    assert safe_next(target) is None


def test_next_is_followed_only_inside_staff(harness: Harness, admin: str) -> None:
    anonymous = harness.client().get("/staff/admin/audit?action=sign_out")
    assert anonymous.status_code == 303
    next_path = parse_qs(urlsplit(anonymous.location).query)["next"][0]
    assert next_path == "/staff/admin/audit?action=sign_out"
    client = harness.client()
    first = password_step(client, ADMIN, next_path=next_path)
    done = submit(client, first.location, {"code": harness.code(admin)})
    assert done.location == "/staff/admin/audit?action=sign_out"
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        harness.clock.advance(seconds=30)
        client = harness.client()
        response = sign_in(client, ADMIN, code=harness.code(admin), next_path=evil)
        assert response.location == "/staff/", evil
    # POSTs are never repeated after signing in, so they leave no `next`.
    posted = harness.client().post("/staff/sign-out")
    assert posted.status_code == 303 and posted.location == "/staff/sign-in"


# --- What browsers may keep -----------------------------------------------------------------


def test_every_staff_response_is_no_store(harness: Harness, admin: str) -> None:
    client = harness.client()
    for response in (
        client.get("/staff/sign-in"),
        client.get("/staff/"),
        client.get("/staff/no-such-page"),
        client.post("/staff/sign-in", data={}),
    ):
        assert response.headers["Cache-Control"] == "no-store", response.status_code
