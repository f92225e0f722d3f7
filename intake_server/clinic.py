"""The clinic's facts, read from clinic.yml: the one file both the site build and the service use."""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import phonenumbers
import yaml

DEFAULT_FACTS = Path(__file__).resolve().parent.parent / "clinic.yml"


def facts_path() -> Path:
    return Path(os.environ.get("CLINIC_FACTS", DEFAULT_FACTS))


def e164(number: str, region: str = "US") -> str:
    """The international form of a number; short codes such as 988 stay as they are."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) <= 4:
        return digits
    parsed = phonenumbers.parse(number, region)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def closure_dates(listed: Any) -> list[str]:
    """clinic.yml's `closures` as sorted YYYY-MM-DD strings. YAML reads an unquoted date as a
    date, a quoted one as text; anything that is not a real day stops the service (and the site
    build) at once, naming the entry, rather than quietly counting that day as open."""
    if listed is None:
        return []
    if not isinstance(listed, list):
        raise ValueError("clinic.yml: closures must be a list of dates (YYYY-MM-DD)")
    found = set()
    for entry in listed:
        text = entry.isoformat() if isinstance(entry, date) else str(entry)
        try:
            if not _ISO_DAY.fullmatch(text):
                raise ValueError(text)
            found.add(date.fromisoformat(text).isoformat())
        except ValueError:
            raise ValueError(
                f"clinic.yml: closures: {entry!r} is not a date; write each closure as"
                " YYYY-MM-DD, for example 2026-12-24"
            ) from None
    return sorted(found)


WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEK_ES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
# How each language joins days: a run ("Monday to Friday", "de lunes a viernes"), and a list.
DAY_WORDS = {"en": (WEEK, "{} to {}", " and "), "es": (WEEK_ES, "de {} a {}", " y ")}


def weekdays(names: list[str], language: str = "en") -> str:
    """Days as people say them: "Monday to Friday" for three or more in a row, else
    "Monday, Tuesday and Thursday" (in Spanish: "de lunes a viernes", "lunes, martes y jueves")."""
    week, run, last = DAY_WORDS[language]
    names = list(names)
    if len(names) >= 3 and names[0] in week:
        first = week.index(names[0])
        if list(week[first : first + len(names)]) == names:
            return run.format(names[0], names[-1])
    return last.join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else ""


# Who the program is for when clinic.yml does not say: adults.
DEFAULT_MIN_AGE = 18


# Who the program is for in each language: (adults, people, "18 and over", "18 to 65").
AGE_WORDS = {
    "en": ("adults", "people", "{who} aged {low} and over", "{who} aged {low} to {high}"),
    "es": ("adultos", "personas", "{who} de {low} años o más", "{who} de {low} a {high} años"),
}


def ages_text(min_age: int | None, max_age: int | None, language: str = "en") -> str:
    """Who the program is for, for a sentence such as "The program is for ..."."""
    adults, people, open_ended, bounded = AGE_WORDS[language]
    low = DEFAULT_MIN_AGE if min_age is None else min_age
    who = adults if low >= 18 else people
    return (bounded if max_age else open_ended).format(who=who, low=low, high=max_age)


def load_facts(path: Path | None = None) -> dict[str, Any]:
    """Read clinic.yml and add the values worked out from it, so no page has to compute them."""
    path = path or facts_path()
    with path.open(encoding="utf-8") as fh:
        facts: dict[str, Any] = yaml.safe_load(fh)
    program = facts["program"]
    program["hours_per_week"] = program["sessions_per_week"] * program["hours_per_session"]
    facts["phone_e164"] = e164(facts["phone"])
    facts["phone_tel"] = "tel:" + facts["phone_e164"]
    crisis = facts["crisis"]
    crisis["lifeline_tel"] = "tel:" + e164(crisis["lifeline_number"])
    crisis["lifeline_sms"] = "sms:" + e164(crisis["lifeline_number"])
    crisis["emergency_tel"] = "tel:" + e164(crisis["emergency_number"])
    address = facts["address"]
    facts["address_line"] = ", ".join(
        part
        for part in (
            address.get("street"),
            address.get("locality"),
            " ".join(p for p in (address.get("region"), address.get("postal_code")) if p),
        )
        if part
    )
    facts["phone_hours"]["days_text"] = weekdays(facts["phone_hours"]["days"])
    program["days_text"] = weekdays(program["days"])
    # A maps search for the clinic: it opens the phone's map app; no map is embedded in a page.
    facts["map_url"] = "https://www.google.com/maps/search/?" + urlencode(
        {"api": "1", "query": f"{facts['name']}, {facts['address_line']}"}, quote_via=quote
    )
    hours = facts["phone_hours"]
    facts["phone_hours_text"] = f"{hours['days_text']}, {hours['opens']} to {hours['closes']}"
    if "days_es" in hours:
        hours["days_text_es"] = weekdays(hours["days_es"], "es")
        facts["phone_hours_text_es"] = (
            f"{hours['days_text_es']}, de {hours['opens_es']} a {hours['closes_es']}"
        )
    if "days_es" in program:
        program["days_text_es"] = weekdays(program["days_es"], "es")
    if program.get("min_age") is None:
        program["min_age"] = DEFAULT_MIN_AGE
    program["ages_text"] = ages_text(program["min_age"], program.get("max_age"))
    program["ages_text_es"] = ages_text(program["min_age"], program.get("max_age"), "es")
    facts["site_url"] = os.environ.get("SITE_URL") or facts["site_url"]
    facts["closures"] = closure_dates(facts.get("closures"))
    facts["urgent_problems"] = [p["key"] for p in facts["problems"] if p.get("urgent")]
    return facts


def localized(facts: Any, language: str) -> Any:
    """The facts as a page in `language` reads them: each `name_<language>` value stands in for
    `name` (clinic.yml keeps a worded fact's translation right below the English one)."""
    suffix = f"_{language}"
    if isinstance(facts, dict):
        out = {}
        for key, value in facts.items():
            if key.endswith(suffix) and key.removesuffix(suffix) in facts:
                continue
            out[key] = localized(facts.get(key + suffix, value), language)
        return out
    if isinstance(facts, list):
        return [localized(item, language) for item in facts]
    return facts


@cache
def clinic() -> dict[str, Any]:
    """The facts for the running service, read once per process."""
    return load_facts()


def clinic_zone() -> ZoneInfo:
    """The clinic's time zone (clinic.yml `timezone`): every time staff read is in it."""
    return ZoneInfo(clinic()["timezone"])


def clinic_isoformat(when: datetime) -> str:
    """A time for an export: ISO 8601 in the clinic's zone, with its offset, whole seconds."""
    return when.astimezone(clinic_zone()).isoformat(timespec="seconds")
