"""Every setting of the service: read from the environment, defaulted and validated here, once.

`load_settings` returns one frozen `Settings`; nothing else in the package reads the environment
or keeps a default of its own. Production (the default) refuses to start without its secrets;
development makes them under instance/ so that `make run` works on a fresh machine.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODES = ("production", "development")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The files development keeps its generated secrets in, under instance/.
DEV_SECRET_FILES = ("secret_key", "encryption_keys")
# SECRET_KEY signs the cookies that carry form tokens and receipts: a guessable key lets anyone
# forge them. At least this many bytes, and at least 10^24 guesses (about 80 bits) as zxcvbn
# estimates it, which refuses repeats, sequences, keyboard runs and a few common words.
SECRET_KEY_MIN_BYTES = 32
SECRET_KEY_MIN_GUESSES_LOG10 = 24
# Host names a request may always use in production, besides those of PUBLIC_URL and
# DASHBOARD_URL: the machine itself (health checks, `curl` on the server).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
DEV_PUBLIC_URL = "http://127.0.0.1:8000"
HOW_TO_MAKE_A_KEY = 'python3 -c "import secrets; print(secrets.token_hex(32))"'


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which one and how to fix it."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    timeout: float
    mail_from: str


@dataclass(frozen=True)
class Settings:
    """The service's settings, typed and checked. Names follow the environment variables."""

    mode: str
    secret_key: str
    encryption_keys: str
    database_url: str
    site_dir: Path
    log_level: str
    proxy_count: int
    max_content_length: int
    csrf_time_limit: int
    # Rate limits (Flask-Limiter syntax) and where they are counted.
    ratelimit_enabled: bool
    ratelimit_storage_uri: str
    ratelimit_key_prefix: str
    form_rate_limit: str
    staff_sign_in_limit: str
    # The staff dashboard.
    staff_idle_minutes: float
    staff_session_hours: float
    staff_mfa_optional: bool
    response_target_business_days: int
    # An urgent submission is overdue after this long, and its second notice goes out after
    # this long if nobody has claimed it.
    urgent_response_hours: float
    urgent_reminder_minutes: int
    assessment_link_days: int
    purge_after_days: int
    # Notice mail for new submissions (no PHI in it).
    intake_inbox: tuple[str, ...]
    # Notices for admins without PHI (an account's repeated failed sign-ins).
    admin_alert_inbox: tuple[str, ...]
    dashboard_url: str
    smtp: SmtpSettings
    # The address people use to reach the service (scheme and host): every absolute link and
    # redirect is built from it, never from a request's Host header.
    public_url: str
    # The host names production answers for; any other Host header gets a 400.
    trusted_hosts: tuple[str, ...]

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def sends_mail(self) -> bool:
        return bool(self.intake_inbox or self.admin_alert_inbox)

    @property
    def mfa_required(self) -> bool:
        """MFA may be skipped only on a development machine that asks for it; never in production."""
        return not (self.mode == "development" and self.staff_mfa_optional)

    def flask_config(self) -> dict[str, Any]:
        """The part of the settings that Flask and its extensions read from app.config."""
        return {
            "SECRET_KEY": self.secret_key,
            "MAX_CONTENT_LENGTH": self.max_content_length,
            # A slow typist may take a long time; an expired token is handled gently in the view.
            "WTF_CSRF_TIME_LIMIT": self.csrf_time_limit,
            "RATELIMIT_ENABLED": self.ratelimit_enabled,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            # Keeps two installations that share one Redis from counting each other's visitors.
            "RATELIMIT_KEY_PREFIX": self.ratelimit_key_prefix,
            # If Redis goes away, count in this process until it is back: a form must never fail
            # (and lose what someone typed) because a counter could not be reached.
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
            "RATELIMIT_SWALLOW_ERRORS": True,
            # A Redis that drops packets must fail fast too, not hold a form for minutes.
            "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            # Compression applies only where a view asks for it (see extensions.compress). Site
            # files are sent as streams; gzip is added for older clients, and ETags still match.
            "COMPRESS_REGISTER": False,
            "COMPRESS_ALGORITHM_STREAMING": ["zstd", "br", "gzip"],
            "COMPRESS_STREAMING_ENDPOINT_CONDITIONAL": ["site.page", "static"],
            # A little above the defaults (zstd 3, brotli 4): 9 KB less on every first visit
            # (the theme's CSS and JavaScript and the search index) for about 4 ms more CPU per
            # large file sent; higher levels cost far more for little (docs/benchmarks.md).
            "COMPRESS_ZSTD_LEVEL": 6,
            "COMPRESS_BR_LEVEL": 5,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.production,
            "SESSION_COOKIE_NAME": "__Host-session" if self.production else "session",
            "PREFERRED_URL_SCHEME": "https" if self.production else "http",
            # Flask builds absolute URLs (the redirect that adds a trailing slash) from
            # SERVER_NAME instead of the Host header; it does not restrict routing to it.
            "SERVER_NAME": urlsplit(self.public_url).netloc if self.production else None,
            "TRUSTED_HOSTS": list(self.trusted_hosts) if self.production else None,
        }


# --- The clinic's facts ------------------------------------------------------------------------
# The site build reads these two as well as the service, without the rest of the settings (it has
# no secrets), so they are read on their own; they are still read here and nowhere else.


def clinic_facts_path(env: Mapping[str, str] | None = None) -> Path:
    """The clinic's facts file: CLINIC_FACTS, else the project's clinic.yml."""
    value = _Source(os.environ if env is None else env, {}).raw("CLINIC_FACTS")
    return Path(value) if value else PROJECT_ROOT / "clinic.yml"


def site_url_override(env: Mapping[str, str] | None = None) -> str | None:
    """SITE_URL, when the environment sets the site's public address over clinic.yml's."""
    value = _Source(os.environ if env is None else env, {}).raw("SITE_URL")
    return str(value) if value else None


# --- Reading one value -------------------------------------------------------------------------


class _Source:
    """The environment with a test's or a caller's overrides on top. Overrides may be typed
    values (True, 0.5); the environment only ever gives text."""

    def __init__(self, env: Mapping[str, str], overrides: Mapping[str, Any]) -> None:
        self.env = env
        self.overrides = overrides
        # Every name asked for: an override outside it is a typing mistake, not a setting.
        self.asked: set[str] = set()

    def raw(self, name: str) -> Any:
        self.asked.add(name)
        if name in self.overrides and self.overrides[name] is not None:
            return self.overrides[name]
        value = self.env.get(name)
        return None if value is None or value == "" else value

    def text(self, name: str, default: str) -> str:
        value = self.raw(name)
        return default if value is None else str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name} must be 1 or 0 (true or false), not {value!r}")

    def number(self, name: str, default: float, cast: Callable[[Any], Any], minimum: float) -> Any:
        value = self.raw(name)
        if value is None:
            return default
        kind = "a whole number" if cast is int else "a number"
        try:
            number = cast(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be {kind}, not {value!r}") from None
        if number < minimum:
            raise ConfigError(f"{name} must be at least {minimum:g}, not {value!r}")
        return number

    def whole(self, name: str, default: int, minimum: int = 0) -> int:
        return int(self.number(name, default, int, minimum))

    def positive(self, name: str, default: float) -> float:
        value = float(self.number(name, default, float, 0))
        if value <= 0:
            raise ConfigError(f"{name} must be more than 0, not {self.raw(name)!r}")
        return value


def _addresses(value: str | None) -> tuple[str, ...]:
    """INTAKE_INBOX as addresses: one, or a comma-separated list. Empty means none."""
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


# --- Development secrets -----------------------------------------------------------------------


def _dev_secret(instance: Path, name: str, make: Callable[[], str]) -> str:
    """Read a development secret from instance/, creating it (owner-only) on first use."""
    path = instance / name
    if not path.exists():
        instance.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(make(), encoding="utf-8")
        log.warning(
            "development secret created; never use it in production",
            extra={"file": str(path)},
        )
    return path.read_text(encoding="utf-8").strip()


def _check_secret_key(secret_key: str) -> None:
    """Refuse a short or guessable SECRET_KEY, saying how to make a good one."""
    from zxcvbn import zxcvbn  # only production needs it, and only here

    short = len(secret_key.encode("utf-8")) < SECRET_KEY_MIN_BYTES
    if short or zxcvbn(secret_key, max_length=128)["guesses_log10"] < SECRET_KEY_MIN_GUESSES_LOG10:
        raise ConfigError(
            "SECRET_KEY is too short or too easy to guess"
            + (f" (it has fewer than {SECRET_KEY_MIN_BYTES} bytes)" if short else "")
            + f". Make a random one with: {HOW_TO_MAKE_A_KEY}"
        )


def _service_address(name: str, value: str) -> str:
    """A scheme and a host (and port), like https://forms.example.org, without a trailing slash."""
    parts = urlsplit(value.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise ConfigError(
            f"{name} must be the address people use, a scheme and a host only, like "
            f"https://forms.example.org (not {value!r})"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _trusted_hosts(extra: str | None, *addresses: str) -> tuple[str, ...]:
    names = [urlsplit(address).hostname or "" for address in addresses]
    names += [*LOOPBACK_HOSTS, *_addresses(extra)]
    return tuple(dict.fromkeys(name.lower() for name in names if name))


def _has_dev_setup(instance: Path) -> bool:
    return all((instance / name).is_file() for name in DEV_SECRET_FILES)


def _mode(source: _Source, instance: Path, operator_command: bool) -> str:
    """production unless told otherwise. An operator command run in a checkout where `make run`
    made a development setup (and no production setting is given) uses that setup, and says so,
    so the README's commands work as written after `make run`."""
    mode = source.raw("INTAKE_ENV")
    if mode is not None:
        if mode not in MODES:
            raise ConfigError("INTAKE_ENV must be 'production' or 'development'")
        return str(mode)
    production_given = any(
        source.raw(name) for name in ("SECRET_KEY", "ENCRYPTION_KEYS", "DATABASE_URL")
    )
    if operator_command and not production_given and _has_dev_setup(instance):
        print(
            f"Using the development setup that `make run` made in {instance} "
            "(INTAKE_ENV=development). Set INTAKE_ENV=production to refuse it.",
            file=sys.stderr,
        )
        return "development"
    return "production"


# --- All of them -------------------------------------------------------------------------------


def load_settings(
    instance_path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    operator_command: bool = False,
) -> Settings:
    """Read, default and check every setting. `overrides` use the environment's names."""
    source = _Source(os.environ if env is None else env, overrides or {})
    instance = Path(instance_path)
    mode = _mode(source, instance, operator_command)
    production = mode == "production"
    secret_key = source.raw("SECRET_KEY")
    keys = source.raw("ENCRYPTION_KEYS")
    if production:
        missing = [n for n, v in (("SECRET_KEY", secret_key), ("ENCRYPTION_KEYS", keys)) if not v]
        if missing:
            raise ConfigError(
                "refusing to start in production without "
                + " and ".join(missing)
                + "; see docs/operators.md (or set INTAKE_ENV=development for a local trial)"
            )
        _check_secret_key(str(secret_key))
        if not source.raw("PUBLIC_URL"):
            raise ConfigError(
                "refusing to start in production without PUBLIC_URL, the address people use to "
                "reach the forms and the dashboard (like https://forms.example.org): links and "
                "redirects are built from it, never from a request's Host header"
            )
    else:
        secret_key = secret_key or _dev_secret(
            instance, "secret_key", lambda: secrets.token_hex(32)
        )
        keys = keys or _dev_secret(
            instance, "encryption_keys", lambda: Fernet.generate_key().decode()
        )
    public_url = _service_address("PUBLIC_URL", source.text("PUBLIC_URL", DEV_PUBLIC_URL))
    dashboard_url = source.text("DASHBOARD_URL", public_url)
    settings = Settings(
        mode=mode,
        secret_key=str(secret_key),
        encryption_keys=str(keys),
        database_url=source.text("DATABASE_URL", f"sqlite:///{instance / 'intake.sqlite3'}"),
        site_dir=Path(source.text("SITE_DIR", str(PROJECT_ROOT / "site"))),
        log_level=source.text("LOG_LEVEL", "INFO").upper(),
        proxy_count=source.whole("PROXY_COUNT", 0),
        max_content_length=source.whole("MAX_CONTENT_LENGTH", 64 * 1024, minimum=1024),
        csrf_time_limit=source.whole("CSRF_TIME_LIMIT", 3600, minimum=1),
        ratelimit_enabled=source.flag("RATELIMIT_ENABLED", True),
        ratelimit_storage_uri=source.text("RATELIMIT_STORAGE_URI", "memory://"),
        ratelimit_key_prefix=source.text("RATELIMIT_KEY_PREFIX", "intake"),
        form_rate_limit=source.text("FORM_RATE_LIMIT", "5 per minute;30 per hour"),
        staff_sign_in_limit=source.text("STAFF_SIGN_IN_LIMIT", "10 per minute;100 per hour"),
        staff_idle_minutes=source.positive("STAFF_IDLE_MINUTES", 15),
        staff_session_hours=source.positive("STAFF_SESSION_HOURS", 12),
        staff_mfa_optional=source.flag("STAFF_MFA_OPTIONAL"),
        response_target_business_days=source.whole("RESPONSE_TARGET_BUSINESS_DAYS", 1, minimum=1),
        urgent_response_hours=source.positive("URGENT_RESPONSE_HOURS", 2),
        urgent_reminder_minutes=source.whole("URGENT_REMINDER_MINUTES", 30, minimum=1),
        assessment_link_days=source.whole("ASSESSMENT_LINK_DAYS", 7, minimum=1),
        purge_after_days=source.whole("PURGE_AFTER_DAYS", 365, minimum=1),
        intake_inbox=_addresses(source.raw("INTAKE_INBOX")),
        admin_alert_inbox=_addresses(source.raw("ADMIN_ALERT_INBOX") or source.raw("INTAKE_INBOX")),
        dashboard_url=dashboard_url,
        smtp=SmtpSettings(
            host=source.text("SMTP_HOST", "127.0.0.1"),
            port=source.whole("SMTP_PORT", 25, minimum=1),
            username=source.raw("SMTP_USERNAME"),
            password=source.raw("SMTP_PASSWORD"),
            starttls=source.flag("SMTP_STARTTLS"),
            timeout=source.positive("SMTP_TIMEOUT", 10),
            mail_from=source.text("MAIL_FROM", "intake@localhost"),
        ),
        public_url=public_url,
        trusted_hosts=_trusted_hosts(source.raw("TRUSTED_HOSTS"), public_url, dashboard_url),
    )
    unknown = sorted(set(source.overrides) - source.asked)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    if settings.log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    return settings
