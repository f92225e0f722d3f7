"""Settings from the environment, with safe defaults.

Production (the default) refuses to start without its secrets; development makes them under
instance/ so that `make run` works on a fresh machine.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which one and how to fix it."""


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def _dev_secret(instance: Path, name: str, make: Any) -> str:
    """Read a development secret from instance/, creating it (owner-only) on first use."""
    path = instance / name
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(make(), encoding="utf-8")
        log.warning(
            "development secret created; never use it in production",
            extra={"file": str(path)},
        )
    return path.read_text(encoding="utf-8").strip()


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    env = os.environ
    overrides = overrides or {}
    mode = overrides.get("INTAKE_ENV") or env.get("INTAKE_ENV", "production")
    if mode not in ("production", "development"):
        raise ConfigError("INTAKE_ENV must be 'production' or 'development'")
    instance = Path(instance_path)
    production = mode == "production"

    secret_key = overrides.get("SECRET_KEY") or env.get("SECRET_KEY")
    keys = overrides.get("ENCRYPTION_KEYS") or env.get("ENCRYPTION_KEYS")
    if production:
        missing = [n for n, v in (("SECRET_KEY", secret_key), ("ENCRYPTION_KEYS", keys)) if not v]
        if missing:
            raise ConfigError(
                "refusing to start in production without "
                + " and ".join(missing)
                + "; see docs/operators.md (or set INTAKE_ENV=development for a local trial)"
            )
    else:
        secret_key = secret_key or _dev_secret(
            instance, "secret_key", lambda: secrets.token_hex(32)
        )
        keys = keys or _dev_secret(
            instance, "encryption_keys", lambda: Fernet.generate_key().decode()
        )

    config: dict[str, Any] = {
        "INTAKE_ENV": mode,
        "SECRET_KEY": secret_key,
        "ENCRYPTION_KEYS": keys,
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{instance / 'intake.sqlite3'}",
        "SITE_DIR": env.get("SITE_DIR") or str(PROJECT_ROOT / "site"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Keeps two installations that share one Redis from counting each other's visitors.
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "intake"),
        # If Redis goes away, count in this process until it is back: a form must never fail (and
        # lose what someone typed) because a counter could not be reached.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # A Redis that drops packets must fail fast too, not hold a form for minutes.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        # Compression applies only where a view asks for it (see extensions.compress). Site files
        # are sent as streams; gzip is added for older clients, and their ETags still answer 304.
        "COMPRESS_REGISTER": False,
        "COMPRESS_ALGORITHM_STREAMING": ["zstd", "br", "gzip"],
        "COMPRESS_STREAMING_ENDPOINT_CONDITIONAL": ["site.page"],
        "FORM_RATE_LIMIT": env.get("FORM_RATE_LIMIT", "5 per minute;30 per hour"),
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 64 * 1024),
        # A slow typist may take a long time; an expired token is handled gently in the form view.
        "WTF_CSRF_TIME_LIMIT": _env_int("CSRF_TIME_LIMIT", 3600),
        "PROXY_COUNT": _env_int("PROXY_COUNT", 0),
        # The staff dashboard.
        "STAFF_IDLE_MINUTES": _env_int("STAFF_IDLE_MINUTES", 15),
        "STAFF_SESSION_HOURS": _env_int("STAFF_SESSION_HOURS", 12),
        "STAFF_SIGN_IN_LIMIT": env.get("STAFF_SIGN_IN_LIMIT", "10 per minute;100 per hour"),
        "STAFF_MFA_OPTIONAL": env.get("STAFF_MFA_OPTIONAL", "") == "1",
        "RESPONSE_TARGET_BUSINESS_DAYS": _env_int("RESPONSE_TARGET_BUSINESS_DAYS", 1),
        "ASSESSMENT_LINK_DAYS": _env_int("ASSESSMENT_LINK_DAYS", 7),
        "PURGE_AFTER_DAYS": _env_int("PURGE_AFTER_DAYS", 365),
        # Notice mail for new submissions (no PHI in it).
        "INTAKE_INBOX": env.get("INTAKE_INBOX", ""),
        "DASHBOARD_URL": env.get("DASHBOARD_URL", "http://127.0.0.1:8000"),
        "MAIL_FROM": env.get("MAIL_FROM", "intake@localhost"),
        "SMTP_HOST": env.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": _env_int("SMTP_PORT", 25),
        "SMTP_USERNAME": env.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": env.get("SMTP_STARTTLS", "") in ("1", "true", "yes"),
        "SMTP_TIMEOUT": _env_int("SMTP_TIMEOUT", 10),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
    }
    config.update(overrides)
    return config
