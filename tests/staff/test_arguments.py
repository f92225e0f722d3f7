"""The query arguments of the queue, the audit trail and the assign form: numbers read strictly,
links built only from the filters a page names. Nothing a URL holds may cause a 500 or reach
url_for (`endpoint`, `_method`, `_anchor`), on either database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from intake_server.services import services
from intake_server.staff.arguments import MAX_PAGE, whole_number
from intake_server.staff.queue_views import PER_PAGE
from tests.helpers.forms import csrf
from tests.helpers.staff import ADMIN, Harness
from tests.helpers.storage import store_submission

# Each is a digit to str.isdigit() but not to int(), or too big for a database's integer, or
# not a number at all.
NOT_NUMBERS = ["²", "١٢", "99999999999999999999999999", "-1", "0", "1e3", " 1", "1.0", "\x00"]


# Not a place in the queue: too many parts, not digits, an 18-digit time (past the year 5000), an
# id past the database's integers, a zero id, controls.
ODD_KEYS = [
    "1.2.3.4",
    "2.1.1",
    "1.1.x",
    "1.123456789012345678.1",
    "1.1.99999999999",
    "0.1.0",
    "1.%00.1",
    "\uff11.1.1",  # a fullwidth digit one
    "",
    "-1.-1.-1",
]


@pytest.mark.parametrize("text", [*NOT_NUMBERS, None, ""])
def test_only_plain_digits_within_bounds_are_numbers(text) -> None:
    assert whole_number(text, maximum=MAX_PAGE) is None


def test_plain_digits_are_numbers() -> None:
    assert whole_number("7", maximum=MAX_PAGE) == 7
    assert whole_number(str(MAX_PAGE), maximum=MAX_PAGE) == MAX_PAGE
    assert whole_number(str(MAX_PAGE + 1), maximum=MAX_PAGE) is None


@pytest.fixture
def signed_in_admin(site_dir: Path, database_url: str):
    harness = Harness.start(site_dir, database_url)
    secret = harness.user(ADMIN, "admin")
    reference = store_submission(services(harness.app).submissions)
    yield harness, harness.signed_in(ADMIN, secret), reference
    services(harness.app).engine.dispose()


def links(html: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]*)"', html)]


@pytest.mark.parametrize("path", ["/staff/", "/staff/admin/audit"])
def test_odd_query_arguments_never_fail_the_lists(signed_in_admin, path: str) -> None:
    _, client, _ = signed_in_admin
    odd = [f"page={value}" for value in NOT_NUMBERS] + [
        f"assignee={value}" for value in NOT_NUMBERS
    ]
    odd += ["action=%00", "actor=%00ana", "reference=%00", "status=%00", "kind=%1b"]
    odd += [f"{name}={value}" for name in ("after", "before") for value in ODD_KEYS]
    odd += ["after=1.1764547200123456.42&before=0.1764547200123456.42"]
    for query in odd:
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200, query


@pytest.mark.parametrize("path", ["/staff/", "/staff/admin/audit"])
def test_links_carry_only_the_named_filters(signed_in_admin, path: str) -> None:
    _, client, _ = signed_in_admin
    query = (
        "endpoint=staff.sign_out&_method=POST&_anchor=x%22onmouseover%3D1&_external=1"
        "&_scheme=javascript&page=2&status=new&action=sign_out&unknown=1"
    )
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    own = [link for link in links(response.text) if link.startswith(path + "?")]
    assert own, "the page links to itself with its filters"
    for link in own:
        assert "#" not in link and "//" not in link
        for name in ("endpoint", "_method", "_anchor", "_external", "_scheme", "unknown"):
            assert f"{name}=" not in link, link


def test_the_assign_form_refuses_what_is_not_a_staff_id(signed_in_admin) -> None:
    harness, client, reference = signed_in_admin
    page = client.get(f"/staff/submissions/{reference}")
    for value in ["²", "99999999999999999999999999", "-1", "x"]:
        response = client.post(
            f"/staff/submissions/{reference}/assign",
            data={"csrf_token": csrf(page.text), "assignee": value},
        )
        assert response.status_code == 303, value
        assert "Choose someone from the list" in client.get(response.location).text
    assert services(harness.app).work.detail(reference)["assignee_id"] is None


def test_paging_links_keep_the_filters_and_walk_the_queue(signed_in_admin) -> None:
    harness, client, _ = signed_in_admin
    store = services(harness.app).submissions
    urgent = {store_submission(store, urgent=True) for _ in range(PER_PAGE + 5)}
    store_submission(store)  # routine: filtered out below
    html = client.get("/staff/?urgent=yes&kind=consultation").text
    seen = set(re.findall(r'href="/staff/submissions/([A-Z0-9-]+)"', html))
    assert len(seen) == PER_PAGE and "Previous page" not in html
    pager = [link for link in links(html) if "after=" in link]
    assert len(pager) == 1 and "urgent=yes" in pager[0] and "kind=consultation" in pager[0]
    second = client.get(pager[0])
    assert second.status_code == 200
    rest = set(re.findall(r'href="/staff/submissions/([A-Z0-9-]+)"', second.text))
    assert seen | rest == urgent and not seen & rest
    assert "Next page" not in second.text
    back = [link for link in links(second.text) if "before=" in link]
    assert len(back) == 1 and "urgent=yes" in back[0]
    assert (
        set(re.findall(r'href="/staff/submissions/([A-Z0-9-]+)"', client.get(back[0]).text)) == seen
    )


def test_a_bad_key_shows_the_first_page(signed_in_admin) -> None:
    _, client, reference = signed_in_admin
    for value in ODD_KEYS:
        response = client.get(f"/staff/?after={value}")
        assert response.status_code == 200 and reference in response.text, value
