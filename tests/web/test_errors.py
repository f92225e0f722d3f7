"""The error pages people may meet anywhere, in the site's dress and with the phone number."""

from __future__ import annotations


def test_too_large_requests_get_a_page_with_the_phone(client) -> None:
    response = client.post("/consultation/", data={"message": "x" * 100_000})
    assert response.status_code == 413
    assert "314-388-2225" in response.get_data(as_text=True)


def test_a_problem_on_a_spanish_page_is_explained_in_spanish(client) -> None:
    too_large = client.post("/es/consultation/", data={"message": "x" * 100_000})
    assert too_large.status_code == 413
    assert '<html lang="es"' in too_large.text
    assert "<title>Era demasiado para enviar - " in too_large.text
    assert "no se guardó" in too_large.text and "314-388-2225" in too_large.text
    not_a_form = client.post("/es/consultation/", json={"message": "hola"})
    assert not_a_form.status_code == 415
    assert "No pudimos leer lo que se envió" in not_a_form.text
    assert "Siempre puede llamarnos" in not_a_form.text
    # The same problem on an English page stays English.
    assert (
        "That was too much to send" in client.post("/consultation/", data={"m": "x" * 100_000}).text
    )
