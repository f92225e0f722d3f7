"""The Host header reaches no link: in production, redirects and the personal assessment link
are built from PUBLIC_URL, and a request for any host the service does not answer for is refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from intake_server.services import services
from tests.helpers.forms import csrf
from tests.helpers.staff import ADMIN, Harness, sign_in
from tests.helpers.storage import store_submission

PUBLIC = "https://forms.example.org"
# What a health check on the machine itself sends, and what an attacker might.
LOCAL = {"Host": "127.0.0.1:8000"}
FORGED = {"Host": "evil.example"}


@pytest.fixture
def production(site_dir: Path, sqlite_url: str) -> Harness:
    return Harness.start(
        site_dir, sqlite_url, INTAKE_ENV="production", PUBLIC_URL=PUBLIC, PROXY_COUNT=1
    )


def test_only_the_service_s_own_hosts_are_answered(production: Harness) -> None:
    client = production.client(https=True)
    assert client.get("/healthz", headers=LOCAL).status_code == 200
    assert client.get("/consultation/", headers={"Host": "forms.example.org"}).status_code == 200
    assert client.get("/consultation/", headers=FORGED).status_code == 400
    # Behind the proxy, the host it forwards is the one checked.
    forwarded = {"X-Forwarded-Host": "evil.example", "X-Forwarded-For": "198.51.100.4"}
    assert client.get("/consultation/", headers=forwarded).status_code == 400


def test_redirects_never_name_the_requested_host(production: Harness) -> None:
    client = production.client(https=True)
    for path in ("/consultation", "/staff", "/received"):
        response = client.get(path, headers=LOCAL)
        assert response.status_code == 308, path
        assert response.location == f"{PUBLIC}{path}/", path
    site = client.get("/guide", headers=LOCAL)
    assert site.status_code == 308 and site.location == "/guide/"


def test_the_personal_assessment_link_uses_the_public_address(production: Harness) -> None:
    secret = production.user(ADMIN, "admin")
    client = production.client(https=True)
    assert sign_in(client, ADMIN, code=production.code(secret)).status_code == 303
    reference = store_submission(services(production.app).submissions)
    page = client.get(f"/staff/submissions/{reference}")
    # The request arrives for another of the service's hosts (through the proxy, which the
    # test client's cookies do not notice): the link must not follow it.
    elsewhere = {"X-Forwarded-Host": "127.0.0.1:8000", "Referer": "https://127.0.0.1:8000/staff/"}
    made = client.post(
        f"/staff/submissions/{reference}/assessment-link",
        data={"csrf_token": csrf(page.text)},
        headers=elsewhere,
    )
    assert made.status_code == 200
    link = re.search(r'id="new-link" type="text" readonly value="([^"]+)"', made.text)[1]
    assert link.startswith(f"{PUBLIC}/assessment/?link="), link
