"""`flask --app intake_server staff ...`: staff accounts, managed by whoever runs the server.

Passwords are typed at a hidden prompt (twice) or piped on standard input, never given as an
argument, where they would stay in shell history and in the process list. Every change is in the
audit trail, naming the operating-system user who ran the command.
"""

from __future__ import annotations

import getpass
import sys
from datetime import datetime

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup

from ..passwords import hash_password, password_problems
from ..services import services
from ..storage import ROLES, AccountError, Actor, StaffStore

staff = AppGroup("staff", help="Staff accounts for the intake dashboard.")


def staff_store() -> StaffStore:
    return services().staff


NO_ARGUMENT = (
    "a password is never given on the command line (it would stay in your shell history). "
    "Leave it out: you will be asked for it, or pipe it on standard input."
)


def _operator() -> Actor:
    """Commands are run by someone at the server; the audit trail names their login."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(id=None, email=f"cli:{who}"[:254], client_addr="command line")


def _refuse_password_argument(ctx: click.Context, _: click.Parameter, value: object) -> None:
    if value:
        raise click.UsageError(NO_ARGUMENT, ctx)


# Accepted only to be refused with a clear reason, without echoing what was typed.
_no_password_option = click.option(
    "--password",
    "-p",
    hidden=True,
    expose_value=False,
    callback=_refuse_password_argument,
)


class _UnlistedArgument(click.Argument):
    """An argument left out of the usage line: it exists only to be refused."""

    def get_usage_pieces(self, ctx: click.Context) -> list[str]:
        return []


_no_extra_arguments = click.argument(
    "extra", nargs=-1, expose_value=False, callback=_refuse_password_argument, cls=_UnlistedArgument
)


def _email(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as problem:
        raise click.BadParameter(str(problem), param_hint="EMAIL") from None


def _interactive() -> bool:
    return sys.stdin.isatty()


def _read_password(email: str) -> str:
    """A new password from a hidden prompt (twice) or one line of standard input, checked
    against the policy before anything is stored."""
    if _interactive():
        password = click.prompt(
            f"New password for {email}",
            hide_input=True,
            confirmation_prompt="Type it again",
        )
    else:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.ClickException("no password on standard input (expected one line)")
    problems = password_problems(password, email)
    if problems:
        raise click.ClickException("password refused:\n  - " + "\n  - ".join(problems))
    return password


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


@staff.command("create", help="Create an account; the password is asked for (or read from stdin).")
@click.argument("email")
@_no_extra_arguments
@_no_password_option
@click.option("--role", type=click.Choice(ROLES), default="staff", show_default=True)
def create(email: str, role: str) -> None:
    email = _email(email)
    if staff_store().find_account(email):
        raise click.ClickException(f"there is already an account for {email}")
    password = _read_password(email)
    try:
        staff_store().create_account(email, role, hash_password(password), _operator())
    except AccountError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(
        f"created {role} account {email}; at first sign-in they will set up an authenticator app"
    )


@staff.command("list", help="Every account: role, MFA, disabled, last sign-in.")
def list_accounts() -> None:
    accounts = staff_store().accounts()
    if not accounts:
        click.echo("no staff accounts yet: add one with `staff create EMAIL --role admin`")
        return
    rows = [("EMAIL", "ROLE", "MFA", "DISABLED", "LAST SIGN-IN")]
    rows += [
        (
            a.email,
            a.role,
            "yes" if a.mfa_enrolled else "no",
            _when(a.disabled_at) if a.disabled_at else "no",
            _when(a.last_sign_in),
        )
        for a in accounts
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


@staff.command("disable", help="Disable an account and sign it out everywhere.")
@click.argument("email")
def disable(email: str) -> None:
    email = _email(email)
    try:
        already, ended = staff_store().disable_account(email, _operator())
    except AccountError as problem:
        raise click.ClickException(str(problem)) from None
    state = "was already disabled" if already else "is disabled"
    click.echo(f"{email} {state}; {ended} signed-in session(s) ended")


@staff.command(
    "reset-password",
    help="Set a new password (asked for, or read from stdin) and sign the account out everywhere.",
)
@click.argument("email")
@_no_extra_arguments
@_no_password_option
@click.option(
    "--reset-mfa",
    is_flag=True,
    help="Also remove the authenticator app, so it is set up again at the next sign-in.",
)
def reset_password(email: str, reset_mfa: bool) -> None:
    email = _email(email)
    account = staff_store().find_account(email)
    if account is None:
        raise click.ClickException(f"there is no account for {email}")
    password = _read_password(email)
    try:
        ended = staff_store().reset_password(
            email, hash_password(password), _operator(), reset_mfa=reset_mfa
        )
    except AccountError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"new password set for {email}; {ended} signed-in session(s) ended")
    if reset_mfa:
        click.echo("their authenticator app was removed: they will set it up at next sign-in")
    if account.disabled_at:
        click.echo("note: this account is still disabled")
