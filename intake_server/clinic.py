"""The clinic's facts, read from clinic.yml: the one file both the site build and the service use."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import click
import phonenumbers
import yaml

from .config import clinic_facts_path, site_url_override

DEFAULT_FACTS = clinic_facts_path({})


def facts_path() -> Path:
    """The facts file this process reads (CLINIC_FACTS, see config.py)."""
    return clinic_facts_path()


class FactsError(ValueError):
    """A mistake in clinic.yml, said plainly with the line to fix: every reader of the file (the
    site build, the preview, the content check, the service) shows this message, not a traceback."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path.name}, line {line}: {message}")


# --- YAML mistakes, said plainly ---------------------------------------------------------------

YAML_HINTS = [
    (
        "mapping values are not allowed",
        'put quotes around text that contains a colon, like: title: "Costs: what to expect"',
    ),
    ("'\\t'", "use spaces, not a tab, at the start of the line"),
    ("undefined alias", "put quotes around text that starts with * or &"),
    ("expected alphabetic or numeric character", "put quotes around text that starts with * or &"),
    (
        "could not find expected ':'",
        "each line needs a name, a colon and a value, like `reviewer: Privacy officer`; "
        "keep long text on one line",
    ),
    (
        "cannot start any token",
        "put quotes around text that starts with a symbol such as `, @ or %",
    ),
    (
        "end of stream",
        "a quotation mark is not closed: text that starts with a quote must end with one",
    ),
    (
        "quoted scalar",
        "a quotation mark is not closed: text that starts with a quote must end with one",
    ),
    (
        "expected <block end>",
        "when a value starts with a quotation mark, the closing quote must end the line; "
        "put the quotes around all of the text",
    ),
    (
        "did not find expected key",
        "check the spacing at the start of the line: names start at the left edge, "
        "list items under them start with two spaces and a dash",
    ),
]


def yaml_hint(problem: str) -> str:
    """What to do about a YAML parser's complaint, in a sentence an editor can act on."""
    for needle, hint in YAML_HINTS:
        if needle in problem:
            return hint
    return (
        "check this line for a missing quote, a stray colon or a tab; "
        "when in doubt, put the text in double quotes"
    )


# A value that starts with a quotation mark and ends with the same one (a # note may follow).
CLOSED_QUOTE = re.compile(r"""^(["'])(?:\\.|(?!\1).)*\1\s*(#.*)?$""")


def unclosed_quote(source: str, upto: int) -> int | None:
    """The first line (counted from 0) up to `upto` whose value opens a quotation mark and does
    not close it: YAML reads on to the next quote and complains lines later."""
    for number, line in enumerate(source.split("\n")[: upto + 1]):
        text = line.strip()
        if text.startswith("#"):
            continue
        value = text.split(": ", 1)[1].strip() if ": " in text else text.removeprefix("- ")
        if value[:1] in ("'", '"') and not CLOSED_QUOTE.match(value):
            return number
    return None


def yaml_error_line(
    exc: yaml.MarkedYAMLError, first_line: int, last_line: int, source: str | None = None
) -> int:
    """The file line to fix, shifted by where the YAML starts in the file (`source` is the YAML's
    own text: with it, a quotation mark left open lines earlier is found where it opens)."""
    mark = exc.problem_mark
    scanning = ("while scanning a simple key", "while scanning a quoted scalar")
    if exc.context in scanning and exc.context_mark is not None:
        mark = exc.context_mark  # where the text that went wrong starts, not where YAML gave up
    offset = mark.line if mark else 0
    if source is not None:
        opened = unclosed_quote(source, offset)
        offset = offset if opened is None else opened
    line = first_line + offset
    return min(max(line, first_line), last_line)


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """A YAML settings file and its node tree (which knows each value's line); a mistake in it
    is a FactsError at the line to fix."""
    text = path.read_text(encoding="utf-8")
    loader = yaml.SafeLoader(text)
    try:
        # Parsed once: the values are built from the same node tree that keeps their lines.
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.MarkedYAMLError as exc:
        # A mistake YAML only finds at the end of the file (a bracket left open) is on the last
        # line there is, not on the empty one after the final newline.
        lines = text.splitlines()
        line = yaml_error_line(exc, 1, max(len(lines), 1), text)
        shown = lines[line - 1].strip() if lines else ""
        raise FactsError(
            path, line, f"{yaml_hint(exc.problem or '')} (the line reads: {shown})"
        ) from None
    except yaml.YAMLError as exc:
        raise FactsError(path, 1, f"this is not a YAML file the site can read: {exc}") from None
    finally:
        loader.dispose()


def value_line(node: yaml.Node | None, *keys: str) -> int:
    """The line of `keys` (program, time_of_day) in a composed YAML tree; the nearest parent's
    line when the name is missing, 1 when nothing is found."""
    line = 1
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            break
        found = next(((k, v) for k, v in node.value if k.value == key), None)
        if found is None:
            break
        line, node = found[0].start_mark.line + 1, found[1]
    return line


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


# The phone numbers people dial, checked with `phonenumbers` for the clinic's country: what is
# wrong, said plainly, for each reason the library gives.
PHONE_PROBLEMS = {
    phonenumbers.ValidationResult.TOO_SHORT: "it has too few digits",
    phonenumbers.ValidationResult.TOO_LONG: "it has too many digits",
    phonenumbers.ValidationResult.INVALID_LENGTH: "it has the wrong number of digits",
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "it has no area code",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "its country code is not a real one",
}


def phone_problem(number: str, country: str) -> str | None:
    """Why `number` cannot be dialled in `country` (an ISO code such as US), or None if it can.
    A number that is not valid makes every call link on the site dead."""
    try:
        parsed = phonenumbers.parse(number, country)
    except phonenumbers.NumberParseException:
        return "it is not a phone number"
    if phonenumbers.is_valid_number(parsed):
        return None
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    return PHONE_PROBLEMS.get(reason, "no such number can exist (check the area code)")


# The part of the day groups meet (clinic.yml `program.time_of_day`), in each language's words:
# the word itself, "in the evening", "three evenings a week", "a small evening group".
TIME_OF_DAY_WORDS = {
    "en": {
        "morning": ("morning", "in the morning", "mornings", "morning"),
        "afternoon": ("afternoon", "in the afternoon", "afternoons", "afternoon"),
        "evening": ("evening", "in the evening", "evenings", "evening"),
        "daytime": ("daytime", "during the day", "days", "daytime"),
    },
    "es": {
        "morning": ("mañana", "por la mañana", "mañanas", "de la mañana"),
        "afternoon": ("tarde", "por la tarde", "tardes", "de la tarde"),
        "evening": ("tarde", "por la tarde", "tardes", "de la tarde"),
        "daytime": ("día", "durante el día", "días", "de día"),
    },
}


def time_words(time_of_day: str, language: str = "en") -> dict[str, str]:
    """The words pages use for when groups meet, as `clinic.program.time_words.<name>`."""
    word, when, plural, group = TIME_OF_DAY_WORDS[language][time_of_day]
    return {"word": word, "when": when, "plural": plural, "group": group}


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


def check_facts(path: Path, facts: Any, node: yaml.Node | None) -> None:
    """Stop at the first fact that would put something wrong on every page, naming its line."""
    if not isinstance(facts, dict):
        raise FactsError(path, 1, "the file must be lines of `name: value`, like `name: My Clinic`")
    country = str((facts.get("address") or {}).get("country") or "US")
    problem = phone_problem(str(facts.get("phone", "")), country)
    if problem:
        raise FactsError(
            path,
            value_line(node, "phone"),
            f'the phone "{facts.get("phone")}" is not a valid {country} phone number: {problem};'
            " write it with its area code, like 314-555-0142",
        )
    time_of_day = (facts.get("program") or {}).get("time_of_day")
    if time_of_day not in TIME_OF_DAY_WORDS["en"]:
        raise FactsError(
            path,
            value_line(node, "program", "time_of_day"),
            f"program: time_of_day is {time_of_day!r}; write one of "
            + ", ".join(TIME_OF_DAY_WORDS["en"])
            + " (the pages' words in every language follow from it)",
        )


def load_facts(path: Path | None = None) -> dict[str, Any]:
    """Read clinic.yml, check it, and add the values worked out from it, so no page has to
    compute them. A mistake raises FactsError with the line to fix."""
    path = path or facts_path()
    facts, node = read_yaml(path)
    check_facts(path, facts, node)
    program = facts["program"]
    program["hours_per_week"] = program["sessions_per_week"] * program["hours_per_session"]
    program["time_words"] = time_words(program["time_of_day"])
    program["time_words_es"] = time_words(program["time_of_day"], "es")
    program["time_of_day_es"] = program["time_words_es"]["word"]
    facts["phone_e164"] = e164(facts["phone"], str(facts["address"].get("country") or "US"))
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
    facts["site_url"] = site_url_override() or facts["site_url"]
    try:
        facts["closures"] = closure_dates(facts.get("closures"))
    except ValueError as exc:
        raise FactsError(
            path, value_line(node, "closures"), str(exc).removeprefix("clinic.yml: ")
        ) from None
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


def site_setting(name: str) -> str:
    """One fact for mkdocs.yml, which reads it with a YAML tag so the site's name, address and
    description live only in clinic.yml: `site_name: !!python/object/apply:...site_setting [name]`.
    A mistake in clinic.yml stops the build with the plain message (click prints it, no traceback).
    """
    try:
        return str(load_facts()[name])
    except FactsError as exc:
        raise click.ClickException(str(exc)) from None


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
