"""Another clinic's site: built and served with examples/other-clinic.yml, no page (English or
Spanish), form, notice email or search-engine data keeps any trace of the clinic in clinic.yml."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from site_templates.wordmark import site_logo, wordmark_svg
from testkit.clients import CONSULTATION, Visitor
from testkit.service import Deployment, Service, free_port
from testkit.site import build_site
from tests.helpers.environment import ROOT
from tests.helpers.mail import mail_config, smtp_server
from tests.helpers.site import built_pages, jsonld_objects, parse

OTHER = ROOT / "examples" / "other-clinic.yml"
# The first clinic's schedule, as its pages would say it in each language.
# (A sentence about other programs, "others meet in the afternoon or evening", may stay.)
SCHEDULE_WORDS = ["evenings a week", "evening group", "evening IOP", "meet in the evening"]
SCHEDULE_WORDS += ["your daytime free", "tardes por semana", "grupos son por la tarde"]
SCHEDULE_WORDS += ["de la tarde", "sus días quedan libres", "Evening mental"]


def traces(facts: dict) -> list[str]:
    """What would give the first clinic away: its name, number, address, web address, hours,
    insurers and accreditation, each as the pages or the JSON-LD would write it."""
    phone_digits = re.sub(r"\D", "", facts["phone"])
    found = [
        facts["name"],
        facts["name"].split()[0],
        facts["phone"],
        phone_digits,
        f"({phone_digits[:3]}) {phone_digits[3:6]}-{phone_digits[6:]}",
        re.sub(r"^https?://(www\.)?", "", facts["site_url"]).strip("/"),
        facts["address"]["locality"],
        facts["accreditation"],
        facts["timezone"],
        facts["program"]["start_time"],
        facts["phone_hours"]["opens"],
    ]
    insurance = facts["insurance"]
    found += insurance["in_network"] + insurance["out_of_network"] + insurance["not_accepted"]
    return found


def leftovers(text: str, words: list[str]) -> list[str]:
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, re.IGNORECASE)]


@pytest.fixture(scope="module")
def first_clinic() -> list[str]:
    return traces(yaml.safe_load((ROOT / "clinic.yml").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def other_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("other-site")
    result = build_site(ROOT, out, env={"CLINIC_FACTS": str(OTHER), "SITE_URL": ""})
    assert result.returncode == 0, result.stderr
    return out


def test_the_example_is_a_different_clinic(first_clinic: list[str]) -> None:
    """The test below means something only if every fact it looks for differs."""
    other = OTHER.read_text(encoding="utf-8")
    assert not leftovers(other, first_clinic)
    assert "time_of_day: morning" in other


def test_no_built_file_names_the_first_clinic(other_site: Path, first_clinic: list[str]) -> None:
    other = yaml.safe_load(OTHER.read_text(encoding="utf-8"))
    files = [p for p in other_site.rglob("*") if p.suffix in (".html", ".xml", ".json", ".txt")]
    assert len(built_pages(other_site)) >= 30  # English and Spanish pages
    for path in files:
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(other_site).as_posix()
        assert not leftovers(text, first_clinic), where
        if path.suffix == ".html":
            assert not leftovers(text, SCHEDULE_WORDS), where
    for page in built_pages(other_site):
        [clinic] = [o for o in jsonld_objects(parse(page)) if o["@type"] == "MedicalClinic"]
        assert clinic["name"] == other["name"]
        assert clinic["url"] == other["site_url"]
        assert clinic["@id"] == other["site_url"] + "#clinic"
        assert clinic["telephone"] == "+1" + re.sub(r"\D", "", other["phone"])
        assert clinic["address"]["addressLocality"] == other["address"]["locality"]


def test_the_other_clinics_words_are_on_its_pages(other_site: Path) -> None:
    """Its own facts, in each language: the name in the header, its schedule words."""
    home = (other_site / "index.html").read_text(encoding="utf-8")
    assert '<meta property="og:site_name" content="Cedar Hollow Counseling">' in home
    assert 'role="img" aria-label="Cedar Hollow Counseling"' in home  # the header's wordmark
    guide = (other_site / "guide" / "index.html").read_text(encoding="utf-8")
    assert "4 mornings a week" in guide
    spanish = (other_site / "es" / "guide" / "index.html").read_text(encoding="utf-8")
    assert "4 mañanas por semana" in spanish
    levels = (other_site / "guide" / "levels-of-care" / "index.html").read_text(encoding="utf-8")
    assert "Our groups meet in the morning, from 9:00 am to 12:00 pm." in levels
    not_found = (other_site / "404.html").read_text(encoding="utf-8")
    assert "Portland" in not_found  # site_description, from the other clinic's facts


@pytest.fixture(scope="module")
def other_service(other_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The intake service on the other clinic's facts and site, sending its notices to a real
    SMTP server."""
    port = free_port()
    folder = tmp_path_factory.mktemp("other-service")
    settings = {
        "CLINIC_FACTS": str(OTHER),
        "SITE_URL": "",
        **{k: str(v) for k, v in mail_config(port).items()},
    }
    deployment = Deployment(other_site, f"sqlite:///{folder / 'intake.db'}", settings=settings)
    deployment.upgrade()
    with smtp_server(port) as inbox, Service(deployment, workers=1) as service:
        yield service, inbox


def test_the_forms_and_the_notice_name_only_the_other_clinic(
    other_service, first_clinic: list[str]
) -> None:
    service, inbox = other_service
    pages = {}
    traces = first_clinic
    for url in ("/consultation/", "/es/consultation/", "/assessment/", "/es/assessment/"):
        response = httpx.get(service.url + url, timeout=10)
        assert response.status_code == 200, url
        pages[url] = response.text
        assert not leftovers(response.text, traces), url
        assert not leftovers(response.text, SCHEDULE_WORDS), url
    assert "Evergreen Mutual" in pages["/consultation/"]  # its insurers are the form's choices
    visitor = Visitor(service.url)
    try:
        answers = {**CONSULTATION, "insurance": "Evergreen Mutual", "phone": "(503) 555-0142"}
        sent = visitor.send(answers, secrets.token_urlsafe(24))
        assert Visitor.acknowledged(sent), sent.text
        received = visitor.http.get(sent.headers["location"])
    finally:
        visitor.close()
    assert received.status_code == 200
    assert "Cedar Hollow Counseling" in received.text
    assert not leftovers(received.text, traces)
    deadline = time.monotonic() + 30  # the service sends its notices in the background
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.1)
    [notice] = inbox.messages
    text = notice["Subject"] + "\n" + notice.get_content()
    assert "consultation" in text.lower()
    assert not leftovers(text, first_clinic)


def test_the_wordmark_follows_the_name_and_a_designers_logo_stays(tmp_path: Path) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text(wordmark_svg("Plural Healthcare"), encoding="utf-8")
    assert site_logo("Cedar Hollow Counseling", logo) == wordmark_svg("Cedar Hollow Counseling")
    designed = wordmark_svg("Plural Healthcare").replace('fill-opacity=".6"', 'fill="#0b6"')
    logo.write_text(designed, encoding="utf-8")
    assert site_logo("Cedar Hollow Counseling", logo) == designed
