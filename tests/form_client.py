"""Filling the intake forms through Flask's test client, as a browser without JavaScript would."""

from __future__ import annotations

import re
from typing import Any

from bench.service import CONSULTATION  # noqa: F401  (one sample request for tests and benchmarks)

HIDDEN = re.compile(r'<input[^>]*name="(csrf_token|form_id)"[^>]*value="([^"]*)"')

ASSESSMENT = {
    "full_name": "Sam Example",
    "date_of_birth": "1990-03-14",
    "phone": "314-555-0199",
    "goals-0": "Sleep through the night",
    "goals-1": "Go back to work",
    "problems": ["depression", "anxiety"],
    "strengths": "My sister, and I like to cook.",
    "barriers": "Evening traffic.",
}


def hidden_fields(html: str) -> dict[str, str]:
    return dict(HIDDEN.findall(html))


def submit(client: Any, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """GET the form (for its tokens), then POST the answers the way a browser does."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={**hidden_fields(page.get_data(as_text=True)), **data}, **kwargs)


def reference_in(html: str) -> str | None:
    match = re.search(r'class="intake-reference">([A-Z0-9-]+)<', html)
    return match[1] if match else None
