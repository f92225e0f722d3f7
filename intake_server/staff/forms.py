"""The staff side's forms: the password step and the one-time code step (also used to confirm a
new authenticator)."""

from __future__ import annotations

import re

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import InputRequired, Length, Regexp

from ..intake.text import PlainTextForm


def _digits_only(value: str | None) -> str | None:
    """People type codes as "123 456" or paste them with spaces; only the digits count."""
    return re.sub(r"[\s-]", "", value) if value else value


class SignInForm(PlainTextForm):
    email = EmailField(
        "Email address",
        validators=[
            InputRequired("Enter your email address."),
            Length(max=254, message="An email address is at most 254 characters."),
        ],
        render_kw={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"},
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )


class CodeForm(PlainTextForm):
    code = StringField(
        "6-digit code",
        description="Open your authenticator app and type the code it shows for this clinic.",
        filters=[_digits_only],
        validators=[
            InputRequired("Enter the 6-digit code from your authenticator app."),
            Regexp(r"^[0-9]{6}$", message="The code is 6 digits, like 123456."),
        ],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "spellcheck": "false",
            "autocapitalize": "none",
            "maxlength": "9",
            "class_": "staff-code",
        },
    )
