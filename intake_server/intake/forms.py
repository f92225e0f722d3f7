"""The two public forms. Choices come from clinic.yml; limits here are mirrored as HTML attributes."""

from __future__ import annotations

import secrets
from typing import Any

from babel.lists import format_list
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..clinic import clinic
from ..web.language import fact, page_language
from .fields import (
    BirthDateField,
    CheckboxesField,
    OptionalEmailField,
    PhoneField,
    RequiredWhen,
)
from .text import PlainTextForm

NAME_MAX, SHORT_MAX, LONG_MAX = 80, 200, 2000

MEDICARE = "medicare_medicaid"
UNDER_18 = "under_18"


def too_young(age_group: str | None) -> bool:
    """Whether the age group chosen is below the program's minimum age (clinic.yml)."""
    return age_group == UNDER_18 and clinic()["program"]["min_age"] >= 18


def younger_help() -> str | None:
    """What the form and its confirmation say to someone asking for a person too young for the
    program: kindly, what to do instead. None when the program takes people under 18."""
    program = clinic()["program"]
    if program["min_age"] < 18:
        return None
    return _l(
        "Our program is for %(ages)s. For someone younger, a program made for young people is a "
        "better fit. Their doctor or school counselor can point you to one nearby, and we are "
        "glad to help you find one too.",
        ages=fact(program, "ages_text"),
    )


def not_accepted_plans() -> str:
    """The plans the clinic cannot take (clinic.yml `insurance.not_accepted`) as one phrase in
    the page's language: "Medicare, Medicaid, or ..." / "Medicare, Medicaid o ..."."""
    plans = fact(clinic()["insurance"], "not_accepted")
    return format_list(plans, style="or", locale=page_language())


def medicare_note() -> str:
    """What the form says beside the insurance question about the plans the clinic cannot take."""
    return _l(
        "We cannot accept %(plans)s. If that is your coverage, please still send this request: "
        "we will help you find care that fits.",
        plans=not_accepted_plans(),
    )


def _for_someone_else(form: Any) -> bool:
    return form.for_whom.data == "loved_one"


def _other_problem(form: Any) -> bool:
    return "other" in (form.problems.data or [])


def _options(*pairs: tuple[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _required(message: str) -> InputRequired:
    return InputRequired(message=message)


class IntakeForm(PlainTextForm):
    """What both forms share: a honeypot and a token that makes a repeated POST harmless."""

    # People never see or fill this; automated scripts tend to.
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)])
    form_id = HiddenField(validators=[InputRequired(), Length(min=16, max=64)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.form_id.data:
            self.form_id.data = secrets.token_urlsafe(24)

    # The answers written in the person's own words: where crisis language is looked for.
    free_text_fields: tuple[str, ...] = ()

    def free_text(self) -> list[str]:
        """What the person typed in their own words, as sent (before any check)."""
        texts: list[str] = []
        for name in self.free_text_fields:
            field = self[name]
            entries = field.entries if field.type == "FieldList" else [field]
            texts += [entry.data or "" for entry in entries]
        return texts

    @property
    def looks_automated(self) -> bool:
        return bool(self.website.data)

    @property
    def only_csrf_failed(self) -> bool:
        """True when everything typed is fine and only the security token was stale or missing."""
        return bool(self.errors) and set(self.errors) == {"csrf_token"}


def insurance_choices() -> list[SelectChoice]:
    plans = clinic()["insurance"]
    pairs = [("", _l("Choose one"))]
    pairs += [(name, name) for name in plans["in_network"] + plans["out_of_network"]]
    pairs += [
        ("other", _l("Another insurance plan")),
        ("self_pay", _l("No insurance, or I would pay myself (self-pay)")),
        (MEDICARE, not_accepted_plans()),
        ("not_sure", _l("I'm not sure")),
    ]
    return _options(*pairs)


class ConsultationForm(IntakeForm):
    for_whom = RadioField(
        _l("Who is this request for?"),
        choices=_options(("self", _l("For me")), ("loved_one", _l("For someone I care about"))),
        validators=[_required(_l("Choose who this request is for"))],
    )
    age_group = RadioField(
        _l("How old is the person who needs care?"),
        choices=_options((UNDER_18, _l("Under 18")), ("18_or_over", _l("18 or over"))),
        validators=[_required(_l("Choose whether the person who needs care is under 18"))],
    )
    requester_name = StringField(
        _l("Your name"),
        validators=[_required(_l("Enter your name")), Length(max=NAME_MAX)],
        render_kw={"autocomplete": "name"},
    )
    relationship = StringField(
        _l("How do you know them?"),
        description=_l("For example: parent, partner, friend"),
        validators=[
            RequiredWhen(_for_someone_else, _l("Enter how you know the person you are asking for")),
            Length(max=SHORT_MAX),
        ],
    )
    person_knows = RadioField(
        _l("Do they know you are asking for help for them?"),
        choices=_options(("yes", _l("Yes")), ("no", _l("No")), ("not_sure", _l("I'm not sure"))),
        validators=[RequiredWhen(_for_someone_else, _l("Choose whether they know you are asking"))],
    )
    person_first_name = StringField(
        _l("Their first name"),
        validators=[
            RequiredWhen(
                _for_someone_else, _l("Enter the first name of the person you are asking for")
            ),
            Length(max=NAME_MAX),
        ],
    )
    phone = PhoneField(
        _l("Phone number"),
        description=_l("The number we should call."),
        validators=[_required(_l("Enter a phone number we can call")), Length(max=40)],
        render_kw={"autocomplete": "tel"},
    )
    email = OptionalEmailField(
        _l("Email (optional)"),
        validators=[Optional(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    contact_method = RadioField(
        _l("How should we contact you?"),
        choices=_options(
            ("call", _l("Phone call")), ("text", _l("Text message")), ("email", _l("Email"))
        ),
        default="call",
        validators=[_required(_l("Choose how we should contact you"))],
    )
    best_time = SelectField(
        _l("Best time to reach you"),
        choices=_options(
            ("any", _l("Any time")),
            ("morning", _l("Morning (9 am to noon)")),
            ("afternoon", _l("Afternoon (noon to 5 pm)")),
            ("evening", _l("Early evening (5 pm to 7 pm)")),
        ),
        default="any",
        validators=[_required(_l("Choose the best time to reach you"))],
        # Every option is a real answer and one is always chosen, so the browser's `required`
        # would be meaningless (and invalid HTML: its first option has a value); the server
        # still checks the answer.
        render_kw={"required": False},
    )
    insurance = SelectField(
        _l("Insurance"),
        choices=insurance_choices,
        validators=[_required(_l("Choose your insurance, or \u201cI'm not sure\u201d"))],
    )
    message = TextAreaField(
        _l("Anything you would like us to know (optional)"),
        description=_l(
            "A few words are enough. Please do not share more than you are comfortable with."
        ),
        validators=[
            Optional(),
            Length(max=LONG_MAX, message=_l("Keep this under %(max)d characters")),
        ],
    )
    heard_about = SelectField(
        _l("How did you hear about us? (optional)"),
        choices=_options(
            ("", _l("Choose one")),
            ("search", _l("An internet search")),
            ("doctor", _l("A doctor or therapist")),
            ("insurer", _l("My insurance company")),
            ("friend", _l("A friend or family member")),
            ("social", _l("Social media")),
            ("other", _l("Somewhere else")),
        ),
        validators=[Optional()],
    )
    consent = BooleanField(
        _l("You may contact me about this request in the way I chose above."),
        validators=[_required(_l("Tick the box so we are allowed to contact you"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.age_group.description = younger_help()
        self.insurance.description = medicare_note()

    def validate_contact_method(self, field: RadioField) -> None:
        if field.data == "email" and not (self.email.data or "").strip():
            raise ValidationError(_l("Add an email address, or choose a phone call or text"))

    def payload(self) -> dict[str, Any]:
        for_other = self.for_whom.data == "loved_one"
        return {
            "for_whom": self.for_whom.data,
            "age_group": self.age_group.data,
            "requester_name": self.requester_name.data.strip(),
            "relationship": self.relationship.data.strip() if for_other else None,
            "person_knows": self.person_knows.data if for_other else None,
            "person_first_name": self.person_first_name.data.strip() if for_other else None,
            "phone": self.phone.normalised,
            "email": self.email.normalised,
            "contact_method": self.contact_method.data,
            "best_time": self.best_time.data,
            "insurance": self.insurance.data,
            "message": (self.message.data or "").strip() or None,
            "heard_about": self.heard_about.data or None,
            "consent": True,
        }

    free_text_fields = ("message",)


def problem_choices() -> list[SelectChoice]:
    """The problems from clinic.yml, in the page's language (staff and FHIR read English)."""
    pairs = [(p["key"], fact(p, "label")) for p in clinic()["problems"]]
    return _options(*pairs, ("other", _l("Something else")))


class AssessmentForm(IntakeForm):
    """Treatment plan part one. Arriving through a staff-issued personal link, the identity
    questions are not asked (the link says who it is for)."""

    full_name = StringField(
        _l("Your full name"),
        validators=[_required(_l("Enter your full name")), Length(max=NAME_MAX)],
        render_kw={"autocomplete": "name"},
    )
    date_of_birth = BirthDateField(
        _l("Date of birth"),
        validators=[_required(_l("Enter your date of birth, like 03/14/1990"))],
    )
    phone = PhoneField(
        _l("Phone number"),
        validators=[_required(_l("Enter your phone number")), Length(max=40)],
        render_kw={"autocomplete": "tel"},
    )
    goals = FieldList(
        StringField(validators=[Optional(), Length(max=SHORT_MAX)]),
        _l("Your goals"),
        min_entries=5,
        max_entries=5,
    )
    problems = CheckboxesField(_l("What are you struggling with?"), choices=problem_choices)
    problem_other = StringField(
        _l("If something else, tell us in a few words"),
        validators=[
            RequiredWhen(
                _other_problem, _l("Tell us in a few words what else you are struggling with")
            ),
            Length(max=SHORT_MAX),
        ],
    )
    strengths = TextAreaField(
        _l("Your strengths"),
        description=_l(
            "What are you good at? What helps you get through hard days? Who supports you?"
        ),
        validators=[Optional(), Length(max=LONG_MAX)],
    )
    barriers = TextAreaField(
        _l("What might get in the way"),
        description=_l("For example: transport, work hours, childcare, money, feeling unsure."),
        validators=[Optional(), Length(max=LONG_MAX)],
    )

    def __init__(self, *args: Any, personal_link: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.personal_link = personal_link
        if personal_link:
            for name in ("full_name", "date_of_birth", "phone"):
                delattr(self, name)
        self.goals[0].flags.required = True

    def validate_goals(self, field: FieldList) -> None:
        if not any((entry.data or "").strip() for entry in field.entries):
            raise ValidationError(_l("Write at least one goal, in your own words"))

    def validate_problems(self, field: CheckboxesField) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one, or \u201cSomething else\u201d"))

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "goals": [g.strip() for g in (e.data or "" for e in self.goals.entries) if g.strip()],
            "problems": list(self.problems.data or []),
            "problem_other": (self.problem_other.data or "").strip() or None,
            "strengths": (self.strengths.data or "").strip() or None,
            "barriers": (self.barriers.data or "").strip() or None,
        }
        if not self.personal_link:
            data |= {
                "full_name": self.full_name.data.strip(),
                "date_of_birth": self.date_of_birth.data.isoformat(),
                "phone": self.phone.normalised,
            }
        return data

    free_text_fields = ("goals", "problem_other", "strengths", "barriers")


# --- The forms as questions: what the staff dashboard and the FHIR export show ---------------

FORMS: dict[str, type[IntakeForm]] = {
    "consultation": ConsultationForm,
    "assessment": AssessmentForm,
}


def question_text(kind: str, name: str) -> str:
    """The question a field asked, as the person read it."""
    unbound = getattr(FORMS[kind], name)
    # A FieldList's first argument is the field it repeats; its label comes second.
    args = unbound.args[1:] if unbound.field_class is FieldList else unbound.args
    return str(args[0] if args else unbound.kwargs.get("label", name))


def choice_labels(kind: str, name: str) -> dict[str, str]:
    """{value: label} of a field with choices, read from the form (and so from clinic.yml);
    empty for a field where people type their own words."""
    choices = getattr(FORMS[kind], name).kwargs.get("choices")
    if choices is None:
        return {}
    if callable(choices):
        choices = choices()
    return {str(c.value): str(c.label) for c in choices if c.value != ""}


def question_names(kind: str) -> list[str]:
    """The questions of a form in the order the person met them (not the honeypot or tokens)."""
    form = FORMS[kind]
    fields = [
        (getattr(form, name).creation_counter, name)
        for name in dir(form)
        if isinstance(getattr(form, name, None), UnboundField)
        and name not in ("website", "form_id")
    ]
    return [name for _, name in sorted(fields)]
