"""The error pages people may meet anywhere, in the site's dress and with the phone number."""

from __future__ import annotations


def test_too_large_requests_get_a_page_with_the_phone(client) -> None:
    response = client.post("/consultation/", data={"message": "x" * 100_000})
    assert response.status_code == 413
    assert "314-388-2225" in response.get_data(as_text=True)
