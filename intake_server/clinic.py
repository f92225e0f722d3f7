"""The clinic's facts, read from clinic.yml: the one file both the site build and the service use."""

from __future__ import annotations

import os
from datetime import datetime
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


WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekdays(names: list[str]) -> str:
    """Days as people say them: "Monday to Friday" for three or more in a row, else
    "Monday, Tuesday and Thursday"."""
    names = list(names)
    if len(names) >= 3 and names[0] in WEEK:
        first = WEEK.index(names[0])
        if list(WEEK[first : first + len(names)]) == names:
            return f"{names[0]} to {names[-1]}"
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else ""


# Who the program is for when clinic.yml does not say: adults.
DEFAULT_MIN_AGE = 18


def ages_text(min_age: int | None, max_age: int | None) -> str:
    """Who the program is for, for a sentence such as "The program is for ..."."""
    low = DEFAULT_MIN_AGE if min_age is None else min_age
    who = "adults" if low >= 18 else "people"
    if max_age:
        return f"{who} aged {low} to {max_age}"
    return f"{who} aged {low} and over"


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
    if program.get("min_age") is None:
        program["min_age"] = DEFAULT_MIN_AGE
    program["ages_text"] = ages_text(program["min_age"], program.get("max_age"))
    facts["site_url"] = os.environ.get("SITE_URL") or facts["site_url"]
    facts["urgent_problems"] = [p["key"] for p in facts["problems"] if p.get("urgent")]
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
