"""HTTP clients that behave like the people who use the service: a visitor sending the form,
and a member of staff signing in with a password and an authenticator code."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pyotp

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# A consultation request as a family member would send it.
CONSULTATION = {
    "for_whom": "loved_one",
    "age_group": "18_or_over",
    "requester_name": "Maria Example",
    "relationship": "mother",
    "person_knows": "yes",
    "person_first_name": "Sam",
    "phone": "(314) 555-0142",
    "email": "maria@example.org",
    "contact_method": "call",
    "best_time": "evening",
    "insurance": "Aetna",
    "message": "He has not left his room much this month.",
    "heard_about": "doctor",
    "consent": "y",
}


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise AssertionError("no form token on the page")
    return match[1]


class Visitor:
    """Someone sending the consultation form, with their own cookies, as a browser would."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False)
        self.token: str | None = None

    def fetch_token(self) -> None:
        """Open the form for its token, unless the one in hand is still good."""
        if self.token is None:
            self.token = csrf_token(self.http.get("/consultation/").text)

    def send(self, answers: dict[str, Any], form_id: str) -> httpx.Response:
        """POST the answers with this form's id (fetching the form first when a token is due)."""
        self.fetch_token()
        response = self.http.post(
            "/consultation/", data={**answers, "csrf_token": self.token, "form_id": form_id}
        )
        if response.status_code == 400:
            self.token = None  # an expired token: the next attempt starts from the form again
        return response

    @staticmethod
    def acknowledged(response: httpx.Response) -> bool:
        """The service's promise: a redirect to the confirmation only after the commit."""
        return response.status_code == 303 and response.headers["location"].endswith("/received/")

    def close(self) -> None:
        self.http.close()


def create_enrolled_account(
    store: Any, email: str, role: str, password: str, now: datetime | None = None
) -> str:
    """A staff account with a confirmed authenticator; returns its TOTP secret. The code used to
    enrol belongs to the time step of `now` (the store's clock's time), which cannot be used
    again."""
    from intake_server.passwords import hash_password
    from intake_server.storage import Actor, SessionPolicy, session_id_for

    actor = Actor(id=None, email="setup", client_addr=None)
    policy = SessionPolicy(idle=timedelta(minutes=15), lifetime=timedelta(hours=12))
    store.create_account(email, role, hash_password(password), actor)
    started = store.sign_in_password(email, password, "127.0.0.1", policy)
    session_id = session_id_for(started.token)
    secret = store.enrolment_secret(session_id)
    code = pyotp.TOTP(secret).at(now or datetime.now(UTC))
    done = store.confirm_enrolment(session_id, code, "127.0.0.1", policy)
    if not done.ok:
        raise RuntimeError(f"enrolment refused: {done.reason}")
    store.sign_out(session_id_for(done.token), actor)
    return secret


class StaffBrowser:
    """A member of staff using the dashboard over HTTP."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False)

    def post_form(self, path: str, data: dict[str, str], form_page: str | None = None):
        """POST with a token from `form_page` (the page the form is on; `path` by default)."""
        token = csrf_token(self.http.get(form_page or path).text)
        return self.http.post(path, data={"csrf_token": token, **data})

    def sign_in(self, email: str, password: str, secret: str) -> None:
        """Password, then the code of the next time step (the current one may be used up)."""
        first = self.post_form("/staff/sign-in", {"email": email, "password": password})
        if first.status_code != 303 or "/staff/sign-in/code" not in first.headers["location"]:
            raise RuntimeError(f"password step refused: HTTP {first.status_code}")
        code = pyotp.TOTP(secret).at(time.time() + 30)
        second = self.post_form(first.headers["location"], {"code": code})
        if second.status_code != 303:
            raise RuntimeError(f"code step refused: HTTP {second.status_code}")

    def close(self) -> None:
        self.http.close()
