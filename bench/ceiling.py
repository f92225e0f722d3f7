"""The ceiling for bench/load.py: the real service, except that a submission is not stored.

`create_ceiling_app()` builds the real application with `create_app()` and swaps its submission
store for one whose `add` stores nothing and returns a fresh receipt. Everything else a valid
POST /consultation/ does runs unchanged, because it is the same view: the rate-limit check, the
CSRF check, validating every field, building the payload, the urgency check, the log line, putting
the reference in the session and the 303 redirect to /received/ (with its new session cookie).
What the ceiling leaves out is exactly what `SubmissionStore.add` does: encrypting the answers
(Fernet), the INSERT with its notice hook (a repeated form_id is looked up only when it
conflicts), and the commit (an fsync on SQLite, a WAL flush on PostgreSQL). So the ratio
stored/ceiling is the cost of storing, nothing else. Swapping the store, rather than adding a copy
of the view on another route, means the ceiling cannot drift from the real view as it changes.

Served the same way as the service (see bench/load.py):

    gunicorn --workers 2 --threads 4 'bench.ceiling:create_ceiling_app()'
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Flask

from intake_server import create_app
from intake_server.services import EXTENSION, services
from intake_server.storage import Receipt, SubmissionStore, new_reference, utc_now


class UnstoredSubmissions:
    """A submission store that stores nothing: `add` answers as if the row had been committed.
    Every other method (ping for /healthz, get...) is the real store's."""

    def __init__(self, real: SubmissionStore) -> None:
        self._real = real

    def add(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        urgent: bool,
        idempotency_key: str,
        link_token: str | None = None,
    ) -> Receipt:
        return Receipt(
            reference=new_reference(),
            kind=kind,
            urgent=urgent,
            received_at=utc_now(),
            created=True,
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def create_ceiling_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The service's application, configured from the environment like `create_app()`, with a
    submission store that never writes."""
    app = create_app(test_config)
    real = services(app)
    app.extensions[EXTENSION] = dataclasses.replace(
        real, submissions=UnstoredSubmissions(real.submissions)
    )
    return app
