"""Form fields with the normalising the intake forms need (phone, email, checkbox groups)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, SelectMultipleField, TelField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget


class PhoneField(TelField):
    """Keeps what was typed for redisplay; `normalised` holds the E.164 form once valid."""

    normalised: str | None = None

    def pre_validate(self, form: Any) -> None:
        self.normalised = None
        text = (self.data or "").strip()
        if not text:
            return
        try:
            number = phonenumbers.parse(text, "US")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise ValidationError(
                _l("Enter a phone number we can call, with the area code, like 314-555-0142")
            )
        self.normalised = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class OptionalEmailField(EmailField):
    """An email address checked for form only (no DNS look-up), normalised when valid."""

    normalised: str | None = None

    def pre_validate(self, form: Any) -> None:
        self.normalised = None
        text = (self.data or "").strip()
        if not text:
            return
        try:
            self.normalised = validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValidationError(_l("Enter an email address like name@example.com")) from None


class CheckboxesField(SelectMultipleField):
    """Boxes to tick. A value that is none of the boxes gets the forms' own words: WTForms' own
    Spanish message for it drops its opening quote, and both languages echo what was sent."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", _l("Choose only from the boxes shown"))
        super().__init__(label, **kwargs)


# Earlier dates are typing slips (a year such as 1899 for 1989), not people.
EARLIEST_BIRTH = date(1900, 1, 1)


class BirthDateField(DateField):
    """Accepts the browser's date picker value and the US way of typing a date."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, format=["%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y"], **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not "".join(valuelist).strip():
            self.data = None  # left empty: the form's own check says it is needed
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(
                _l("Enter your date of birth as month/day/year, like 03/14/1990")
            ) from None

    def pre_validate(self, form: Any) -> None:
        if not self.data:
            return
        if self.data < EARLIEST_BIRTH:
            raise ValidationError(
                _l(
                    "Check the year: enter a date of birth in %(year)s or later, like 03/14/1990",
                    year=EARLIEST_BIRTH.year,
                )
            )
        if self.data > date.today():
            raise ValidationError(_l("Enter a date of birth in the past, like 03/14/1990"))


class RequiredWhen:
    """Required when `applies(form)` is true; otherwise an empty answer is simply optional."""

    def __init__(self, applies: Callable[[Any], bool], message: str) -> None:
        self.applies = applies
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if field.raw_data and str(field.raw_data[0]).strip():
            return
        field.errors[:] = []
        raise StopValidation(self.message if self.applies(form) else None)
