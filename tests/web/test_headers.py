"""Security headers on every answer: a strict CSP with the theme's script hashes, no sniffing,
same-origin referrers, and HSTS over HTTPS only."""

from __future__ import annotations


def test_security_headers(client) -> None:
    response = client.get("/consultation/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "'sha256-" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/", base_url="https://clinic.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Content-Security-Policy" in client.get("/faq/").headers
