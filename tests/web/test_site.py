"""The built site served by the service: its pages, the helpful 404, and compression where it
is safe (static files) but never where a page holds a form token or typed answers."""

from __future__ import annotations


def test_site_pages_and_helpful_404(client) -> None:
    assert client.get("/").status_code == 200
    assert client.get("/guide").status_code == 308
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "We could not find that page" in missing.get_data(as_text=True)


def test_a_missing_spanish_address_gets_the_spanish_404(client) -> None:
    """Under /es/ the helpful 404 is the Spanish one: Spanish words, Spanish links, and crisis
    help in Spanish (988 and press 2, AYUDA by text, chat in Spanish, 911)."""
    missing = client.get("/es/no-existe/")
    assert missing.status_code == 404
    page = missing.get_data(as_text=True)
    assert '<html lang="es"' in page
    assert "No encontramos esa página" in page and "We could not find" not in page
    assert '<a href="/es/faq/">Preguntas y respuestas</a>' in page
    assert '<a href="/es/consultation/">Pida una consulta gratis</a>' in page
    crisis = page.split('<div class="admonition warning">', 1)[1].split("</div>", 1)[0]
    assert "Si necesita ayuda ahora mismo" in crisis
    assert '<a href="tel:988">Llame al 988 y marque 2</a>' in crisis
    assert '<a href="sms:988">Envíe AYUDA al 988</a>' in crisis
    assert '<a href="https://988lifeline.org/chat/">Chat en español' in crisis
    assert "llame al 911</a>" in crisis
    # and the English one stays English, whichever language the build wrote last
    english = client.get("/no-such-page/").get_data(as_text=True)
    assert '<html lang="en"' in english and "No encontramos" not in english


def test_site_files_and_blank_forms_are_compressed_and_pages_with_what_was_sent_are_not(
    client,
) -> None:
    """The static site is compressed (it holds nothing secret), and so is a blank form page (its
    token, but nothing the request sent); a page with a form token and anything from the request
    (what someone typed, a query string) is not, so compression cannot leak the token (BREACH)."""
    import gzip

    import brotli
    from backports import zstd

    for path in ("/", "/faq/", "/assets/clinic.css", "/static/crisis.js", "/static/intake.css"):
        plain = client.get(path)
        for encoding, decompress in (
            ("zstd", zstd.decompress),
            ("br", brotli.decompress),
            ("gzip", gzip.decompress),
        ):
            squeezed = client.get(path, headers={"Accept-Encoding": encoding})
            assert squeezed.headers["Content-Encoding"] == encoding, path
            assert "Accept-Encoding" in squeezed.headers["Vary"]
            assert decompress(squeezed.get_data()) == plain.get_data(), path
            assert len(squeezed.get_data()) < len(plain.get_data()) / 2, path
            again = client.get(
                path,
                headers={"Accept-Encoding": encoding, "If-None-Match": squeezed.headers["ETag"]},
            )
            assert again.status_code == 304, path  # the browser's cached copy is still good
    for path in ("/assets/clinic.css", "/static/crisis.js"):
        part = client.get(path, headers={"Accept-Encoding": "br", "Range": "bytes=0-99"})
        assert part.status_code == 206 and "Content-Encoding" not in part.headers
        assert part.get_data() == client.get(path).get_data()[:100]
    for path in ("/consultation/", "/assessment/", "/es/consultation/", "/es/assessment/"):
        blank = client.get(path, headers={"Accept-Encoding": "br, gzip"})
        assert blank.status_code == 200 and blank.headers["Content-Encoding"] == "br", path
        assert 'name="csrf_token"' in brotli.decompress(blank.get_data()).decode(), path
    for path in ("/consultation/?x=guess", "/assessment/?link=guess", "/staff/sign-in"):
        response = client.get(path, headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200, path
        assert "Content-Encoding" not in response.headers, path
    typed = client.post(
        "/consultation/", data={"message": "guess"}, headers={"Accept-Encoding": "br, gzip"}
    )
    assert typed.status_code in (400, 422) and "guess" in typed.get_data(as_text=True)
    assert "Content-Encoding" not in typed.headers


def test_paths_outside_the_site_are_a_plain_404(client) -> None:
    """An encoded `..` reaching a folder outside the site must not answer differently from one
    reaching nothing (a 308 would say the folder exists)."""
    for path in ("/..%2F..%2F..%2F..%2F..%2Fetc", "/..%2F..%2F..%2F..%2F..%2Fnone", "/%2Fetc"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Location" not in response.headers
    assert client.get("/guide").headers["Location"] == "/guide/"
