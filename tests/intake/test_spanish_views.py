"""The forms in Spanish, through the whole app: the address chooses the language (never the
browser alone), every word the person meets is Spanish (WTForms' own messages too), the
submission records the language, and crisis help is the Spanish 988 help."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from intake_server.services import services
from tests.helpers.forms import (
    ASSESSMENT,
    CONSULTATION,
    error_summary,
    hidden_fields,
    reference_in,
    submit,
)
from tests.helpers.staff import staff_member
from tests.helpers.storage import count_submissions

# Words that only the English pages use: none may reach a Spanish page.
ENGLISH = (
    "Phone number",
    "Your name",
    "Send my request",
    "Send my answers",
    "This form is not for emergencies",
    "Please check",
    "Thank you",
    "Choose one",
)
SPANISH_988 = ("llame al", "marque 2", "AYUDA", "en español")


def form_part(html: str) -> str:
    """What the service put into the site's page: the form, or the confirmation."""
    start = html.find('<form class="intake-form"')
    start = start if start >= 0 else html.find('id="service-content"')
    assert start >= 0, "no form or service content on the page"
    return html[start : html.find('<footer class="md-footer"', start)]


def test_spanish_forms_are_served_in_the_spanish_site(client) -> None:
    for path, heading in (
        ("/es/consultation/", "<title>Pida una consulta gratis - "),
        ("/es/assessment/", "<title>Su evaluación personal - "),
    ):
        response = client.get(path)
        html = response.text
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert re.search(r'<html lang="es"', html)
        assert heading in html
        part = form_part(html)
        assert f'action="{path}"' in part
        assert "Este formulario no es para emergencias" in part
        assert all(words in part for words in ("marque 2", "AYUDA"))
        assert not [words for words in ENGLISH if words in part]
        assert "marque 3" not in html and "press 3" not in html
        assert "Please call us" not in html  # the static fallback gave way to the form


def test_spanish_labels_and_choices_come_from_the_catalog_and_clinic_yml(client) -> None:
    consultation = form_part(client.get("/es/consultation/").text)
    assert '<label class="intake-label" for="phone">Número de teléfono</label>' in consultation
    plans = "Medicare, Medicaid o planes complementarios de Medicare y Medicaid"
    assert f">{plans}</option>" in consultation and ">Aetna</option>" in consultation
    assert 'data-sending="Enviando…"' in consultation
    assessment = form_part(client.get("/es/assessment/").text)
    assert "Pensamientos suicidas" in assessment and "Meta 1" in assessment
    assert "Suicidal thoughts" not in assessment


def test_the_browser_language_alone_never_changes_the_page(client) -> None:
    english = client.get("/consultation/", headers={"Accept-Language": "es-MX,es;q=0.9"}).text
    assert "Send my request" in english and "Enviar mi solicitud" not in english
    spanish = client.get("/es/consultation/", headers={"Accept-Language": "en-US"}).text
    assert "Enviar mi solicitud" in spanish


def test_a_spanish_request_is_stored_as_spanish_and_confirmed_in_spanish(app, client) -> None:
    response = submit(client, "/es/consultation/", CONSULTATION)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/es/received/")
    page = client.get("/es/received/")
    part = form_part(page.text)
    assert page.headers["Cache-Control"] == "no-store" and 'lang="es"' in page.text
    assert "Gracias. Recibimos su solicitud." in part
    assert "en un plazo de un día hábil" in part and "en el plazo de una semana" in part
    assert "<title>Solicitud recibida - " in page.text
    assert not [words for words in ENGLISH if words in part]
    stored = services(app).submissions.get(reference_in(part))
    assert stored["language"] == "es" and stored["urgent"] is False
    # The same answers from the English form are English.
    assert submit(client, "/consultation/", CONSULTATION).status_code == 303
    english = reference_in(client.get("/received/").text)
    assert services(app).submissions.get(english)["language"] == "en"


def test_spanish_errors_include_wtforms_own_messages(app, client) -> None:
    data = {
        **CONSULTATION,
        "phone": "12",
        "relationship": "m" * 201,  # past the Length limit: WTForms' own message
        "best_time": "midnight",  # not a choice: WTForms' own message
        "consent": "",
    }
    response = submit(client, "/es/consultation/", data)
    html = response.text
    assert response.status_code == 422
    assert "<title>Error: Pida una consulta gratis - " in html
    summary = error_summary(html)
    assert "Revise estas 4 respuestas" in summary
    assert "Todo lo que escribió sigue aquí." in summary
    assert '<a href="#relationship">El campo no puede tener más de 200 caracteres.' in summary
    assert '<a href="#phone">Escriba un número de teléfono al que podamos llamar' in summary
    assert '<a href="#best_time">Opción inválida.' in summary
    assert '<a href="#consent">Marque la casilla' in summary
    assert '<span class="md-visually-hidden">Error: </span>' in html
    assert 'value="Maria Example"' in html and "He has not left his room much" in html
    assert not [words for words in ENGLISH if words in form_part(html)]
    assert count_submissions(services(app).engine) == 0


def test_a_tick_box_value_that_is_no_box_is_explained_in_spanish(client) -> None:
    """Only a changed page can send it; WTForms' own Spanish words for it lose their opening
    quote and repeat what was sent, so the form says it in its own words."""
    html = submit(client, "/es/assessment/", {**ASSESSMENT, "problems": ["nonsense"]}).text
    summary = error_summary(html)
    assert "Elija solo entre las casillas que se muestran" in summary
    assert "nonsense" not in summary


def test_one_error_is_counted_in_the_singular(client) -> None:
    html = submit(client, "/es/consultation/", {**CONSULTATION, "consent": ""}).text
    assert "Revise esta respuesta" in html


def test_the_medicare_note_in_spanish(client) -> None:
    data = {**CONSULTATION, "insurance": "medicare_medicaid"}
    assert submit(client, "/es/consultation/", data).status_code == 303
    part = form_part(client.get("/es/received/").text)
    # The sentence from the Spanish catalog, the plans from clinic.yml's not_accepted_es.
    assert (
        "uno de los planes que no podemos aceptar: Medicare, Medicaid o planes complementarios "
        "de Medicare y Medicaid." in part
    )
    assert "supplement" not in part and "cannot accept" not in part
    form = form_part(client.get("/es/consultation/").text)
    assert (
        "No podemos aceptar Medicare, Medicaid o planes complementarios de Medicare y Medicaid. "
        "Si ese es su seguro" in form
    )


@pytest.mark.parametrize(
    "words", ["ya no quiero vivir", "quiere quitarse la vida", "I want to end my life"]
)
def test_crisis_words_on_the_spanish_form_show_spanish_988_help(app, client, words) -> None:
    """The Spanish form matches every language's rules, as the English form does: a family may
    write in either language, or mix them."""
    assert (
        submit(client, "/es/consultation/", {**CONSULTATION, "message": words}).status_code == 303
    )
    part = form_part(client.get("/es/received/").text)
    assert services(app).submissions.get(reference_in(part))["urgent"] is True
    assert "Por favor, no espere nuestra llamada" in part
    assert all(help_words in part for help_words in SPANISH_988)
    assert 'href="tel:988"' in part and 'href="tel:911"' in part and 'href="sms:988"' in part


def test_a_reshown_spanish_form_already_shows_crisis_help(client) -> None:
    data = {**CONSULTATION, "message": "ya no quiero vivir", "phone": "12"}
    part = form_part(submit(client, "/es/consultation/", data).text)
    box = re.search(r'<div class="intake-crisis__box"[^>]*>.*?</div>', part, re.DOTALL)[0]
    assert " hidden" not in box.split(">", 1)[0]
    assert "Por favor, busque ayuda ahora" in box and "marque 2" in box


def test_a_spanish_assessment_is_stored_as_spanish(app, client) -> None:
    data = {**ASSESSMENT, "problems": ["depression"]}
    assert submit(client, "/es/assessment/", data).status_code == 303
    part = form_part(client.get("/es/received/").text)
    assert "Gracias. Recibimos sus respuestas." in part
    assert services(app).submissions.get(reference_in(part))["language"] == "es"


def test_the_spanish_assessment_explains_its_own_errors(client) -> None:
    html = submit(client, "/es/assessment/", {"date_of_birth": "14/03/1990"}).text
    for message in (
        "Escriba su nombre completo",
        "Escriba su fecha de nacimiento como mes/día/año",
        "Escriba al menos una meta",
        "Elija al menos una opción",
    ):
        assert message in html
    assert "<title>Error: Su evaluación personal - " in html


def test_an_expired_token_is_explained_in_spanish(client) -> None:
    page = client.get("/es/consultation/").text
    data = {**CONSULTATION, "form_id": hidden_fields(page)["form_id"]}  # no CSRF token
    response = client.post("/es/consultation/", data=data)
    assert response.status_code == 400
    assert "Por favor, presione Enviar otra vez" in response.text
    assert 'value="Maria Example"' in response.text


def test_the_honeypot_answer_is_in_spanish(client) -> None:
    response = submit(client, "/es/consultation/", {**CONSULTATION, "website": "http://spam"})
    assert response.status_code == 400
    assert "No pudimos enviar este formulario" in response.text
    assert 'href="tel:+13143882225"' in response.text


def test_a_spanish_personal_link_is_sent_and_confirmed_in_spanish(app, client) -> None:
    assert submit(client, "/es/consultation/", CONSULTATION).status_code == 303
    consultation = reference_in(client.get("/es/received/").text)
    actor = staff_member(services(app).engine, "intake@clinic.example")
    token = services(app).work.create_assessment_link(consultation, actor, timedelta(days=7))
    page = client.get(f"/es/assessment/?link={token}").text
    assert f'action="/es/assessment/?link={token}"' in page
    data = {k: v for k, v in ASSESSMENT.items() if k not in ("full_name", "date_of_birth", "phone")}
    response = client.post(f"/es/assessment/?link={token}", data={**hidden_fields(page), **data})
    assert response.headers["Location"].endswith("/es/received/")
    assessment = reference_in(client.get("/es/received/").text)
    assert services(app).submissions.get(assessment)["language"] == "es"
    again = client.get(f"/es/assessment/?link={token}").text
    assert "Este enlace personal ya no se puede usar" in again


# The Spanish crisis bar, as the Spanish site's pages carry it (press 2, AYUDA, chat, 911).
SPANISH_CRISIS_BAR = (
    "Llame al 988 y marque 2",
    "Envíe AYUDA al 988",
    "Chat en español",
    "llame al 911",
)


def assert_spanish_crisis_bar(html: str, where: str) -> None:
    bar = html.split('<aside class="crisis-bar"', 1)[1].split("</aside>", 1)[0]
    assert 'aria-label="Ayuda en una crisis"' in bar, where
    said = re.sub(r"<[^>]+>", "", bar)  # the words read out (some are hidden on phones)
    assert all(words in said for words in SPANISH_CRISIS_BAR), where
    assert "In crisis?" not in html and "Call or text" not in html, where


def test_the_not_sent_pages_are_in_spanish(site_dir, sqlite_url: str) -> None:
    """When answers cannot be saved (the database is down) or the connection sent too many, the
    Spanish form comes back in Spanish, with what was typed and the phone number."""
    from intake_server import create_app
    from tests.helpers.app import app_config, make_app

    unreachable = "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2"
    down = create_app(app_config(site_dir, unreachable)).test_client()
    response = submit(down, "/es/consultation/", CONSULTATION)
    assert response.status_code == 503
    assert "Sus respuestas no se enviaron" in response.text and "314-388-2225" in response.text
    assert 'value="Maria Example"' in response.text
    assert_spanish_crisis_bar(response.text, "503")

    busy = make_app(site_dir, sqlite_url, RATELIMIT_ENABLED=True, FORM_RATE_LIMIT="1 per minute")
    client = busy.test_client()
    assert submit(client, "/es/consultation/", CONSULTATION).status_code == 303
    response = submit(client, "/es/consultation/", CONSULTATION)
    assert response.status_code == 429
    assert "Espere unos minutos, por favor" in response.text and "314-388-2225" in response.text
    assert 'value="Maria Example"' in response.text
    assert not [words for words in ENGLISH if words in form_part(response.text)]
    assert_spanish_crisis_bar(response.text, "429")


def test_every_spanish_screen_of_the_service_carries_spanish_crisis_help(client) -> None:
    """The forms, their errors, the confirmations, the problem pages and the 404 under /es/."""
    screens = {
        "consultation": client.get("/es/consultation/"),
        "assessment": client.get("/es/assessment/"),
        "errors": submit(client, "/es/consultation/", {**CONSULTATION, "consent": ""}),
        "honeypot": submit(client, "/es/consultation/", {**CONSULTATION, "website": "x"}),
        "too large": client.post("/es/consultation/", data={"message": "x" * 100_000}),
        "not a form": client.post("/es/consultation/", json={"message": "hola"}),
        "not found": client.get("/es/no-existe/"),
    }
    assert submit(client, "/es/consultation/", CONSULTATION).status_code == 303
    screens["received"] = client.get("/es/received/")
    assert submit(client, "/es/assessment/", ASSESSMENT).status_code == 303
    screens["assessment received"] = client.get("/es/received/")
    for where, response in screens.items():
        assert '<html lang="es"' in response.text, where
        assert_spanish_crisis_bar(response.text, where)
