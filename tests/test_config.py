"""Settings: read from the environment once, typed, defaulted and checked in config.py."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from intake_server.config import ConfigError, load_settings

DEV = {"INTAKE_ENV": "development"}
# A key as `python3 -c "import secrets; print(secrets.token_hex(32))"` makes one.
GOOD_KEY = "3f0c1e9a7b52d4e86a1fc0d93b7e25a4c8d61f07e92b3a5d4c6e18f0a7b9d2c3"
PUBLIC = "https://forms.example.org"


def test_defaults_are_safe_and_typed(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, DEV, env={})
    assert settings.mode == "development" and not settings.production
    assert settings.database_url == f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    assert settings.staff_idle_minutes == 15 and settings.staff_session_hours == 12
    assert settings.intake_inbox == () and settings.mfa_required
    assert settings.smtp.port == 25 and settings.smtp.starttls is False
    assert settings.flask_config()["SESSION_COOKIE_SECURE"] is False


def test_the_environment_gives_text_and_overrides_may_be_typed(tmp_path: Path) -> None:
    env = {
        "STAFF_IDLE_MINUTES": "0.5",
        "SMTP_STARTTLS": "yes",
        "INTAKE_INBOX": " a@clinic.example, ,b@clinic.example ",
        "PROXY_COUNT": "1",
    }
    settings = load_settings(tmp_path, {**DEV, "STAFF_MFA_OPTIONAL": True}, env=env)
    assert settings.staff_idle_minutes == 0.5
    assert settings.smtp.starttls is True
    assert settings.intake_inbox == ("a@clinic.example", "b@clinic.example")
    assert settings.proxy_count == 1
    assert settings.staff_mfa_optional and not settings.mfa_required


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("SMTP_PORT", "twenty-five", "SMTP_PORT must be a whole number"),
        ("STAFF_IDLE_MINUTES", "0", "STAFF_IDLE_MINUTES must be more than 0"),
        ("PURGE_AFTER_DAYS", "0", "PURGE_AFTER_DAYS must be at least 1"),
        ("SMTP_STARTTLS", "maybe", "SMTP_STARTTLS must be 1 or 0"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of"),
    ],
)
def test_a_wrong_value_is_refused_at_start_saying_which(
    tmp_path: Path, name: str, value: str, says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        load_settings(tmp_path, DEV, env={name: value})


def test_an_unknown_override_is_a_mistake_not_a_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown setting.*STAFF_IDLE_MINTUES"):
        load_settings(tmp_path, {**DEV, "STAFF_IDLE_MINTUES": 5}, env={})


def test_production_refuses_to_start_without_its_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="INTAKE_ENV must be 'production' or 'development'"):
        load_settings(tmp_path, {}, env={"INTAKE_ENV": "staging"})
    with pytest.raises(ConfigError, match="without SECRET_KEY and ENCRYPTION_KEYS"):
        load_settings(tmp_path, {}, env={})
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    "key",
    [
        "x",
        "a" * 64,
        "abcd" * 16,
        "0123456789abcdef" * 4,
        "password" * 8,
        "test-secret-key-not-for-production",
        "qwertyuiopasdfghjklzxcvbnm1234567890",
        "f378cb7a300b70efafacab5ae392ac3",  # random, but 31 bytes
    ],
)
def test_production_refuses_a_short_or_guessable_secret_key(tmp_path: Path, key: str) -> None:
    """A forged session cookie needs only the key: production takes a random one or none."""
    env = {"INTAKE_ENV": "production", "SECRET_KEY": key, "ENCRYPTION_KEYS": "k"}
    with pytest.raises(ConfigError, match="SECRET_KEY is too short or too easy to guess") as e:
        load_settings(tmp_path, {}, env=env)
    assert "secrets.token_hex(32)" in str(e.value)
    # Development keeps working with any key a test or a trial gives it.
    assert load_settings(tmp_path, {"INTAKE_ENV": "development"}, env=env).secret_key == key


def test_production_takes_a_random_secret_key(tmp_path: Path) -> None:
    import secrets

    for key in (secrets.token_hex(16), secrets.token_hex(32), secrets.token_urlsafe(32)):
        env = {"INTAKE_ENV": "production", "SECRET_KEY": key, "ENCRYPTION_KEYS": "k"}
        assert load_settings(tmp_path, {"PUBLIC_URL": PUBLIC}, env=env).secret_key == key


def test_development_makes_owner_only_secrets_once(tmp_path: Path) -> None:
    first = load_settings(tmp_path / "instance", DEV, env={})
    again = load_settings(tmp_path / "instance", DEV, env={})
    assert first.secret_key == again.secret_key and first.encryption_keys == again.encryption_keys
    for name in ("secret_key", "encryption_keys"):
        assert stat.S_IMODE((tmp_path / "instance" / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "instance").stat().st_mode) == 0o700


def test_an_operator_command_uses_the_development_setup_make_run_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After `make run`, the README's `flask --app intake_server staff create ...` works as
    written: the command finds development's secrets in instance/ and says it uses them."""
    instance = tmp_path / "instance"
    with pytest.raises(ConfigError):
        load_settings(instance, {}, env={}, operator_command=True)  # nothing made yet
    load_settings(instance, DEV, env={})  # what `make run` does
    capsys.readouterr()
    settings = load_settings(instance, {}, env={}, operator_command=True)
    assert settings.mode == "development"
    assert "Using the development setup that `make run` made" in capsys.readouterr().err
    # Never for the server itself, and never when production settings are given.
    with pytest.raises(ConfigError):
        load_settings(instance, {}, env={})
    with pytest.raises(ConfigError):
        load_settings(instance, {}, env={"DATABASE_URL": "sqlite:///x"}, operator_command=True)
    explicit = load_settings(
        instance,
        {},
        env={
            "INTAKE_ENV": "production",
            "SECRET_KEY": GOOD_KEY,
            "ENCRYPTION_KEYS": settings.encryption_keys,
            "PUBLIC_URL": PUBLIC,
        },
        operator_command=True,
    )
    assert explicit.production


def test_production_refuses_to_start_without_secrets(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("ENCRYPTION_KEYS", raising=False)
    monkeypatch.delenv("INTAKE_ENV", raising=False)  # production is the default
    with pytest.raises(ConfigError, match="SECRET_KEY and ENCRYPTION_KEYS"):
        load_settings(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    with pytest.raises(ConfigError, match="ENCRYPTION_KEYS"):
        load_settings(str(tmp_path))
    assert not list(tmp_path.iterdir()), "production must not invent secrets"


def test_production_cookies_are_secure_and_host_prefixed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("ENCRYPTION_KEYS", "k")
    monkeypatch.setenv("PUBLIC_URL", PUBLIC)
    config = load_settings(str(tmp_path), {"INTAKE_ENV": "production"}).flask_config()
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert config["SESSION_COOKIE_HTTPONLY"] is True


def test_production_needs_the_public_address_and_trusts_only_its_hosts(tmp_path: Path) -> None:
    env = {"INTAKE_ENV": "production", "SECRET_KEY": GOOD_KEY, "ENCRYPTION_KEYS": "k"}
    with pytest.raises(ConfigError, match="without PUBLIC_URL"):
        load_settings(tmp_path, {}, env=env)
    for wrong in (
        "forms.example.org",
        "ftp://forms.example.org",
        "https://x.org/forms",
        "https://",
    ):
        with pytest.raises(ConfigError, match="PUBLIC_URL must be the address people use"):
            load_settings(tmp_path, {"PUBLIC_URL": wrong}, env=env)
    settings = load_settings(
        tmp_path,
        {"PUBLIC_URL": "https://Forms.Example.org/", "TRUSTED_HOSTS": "10.0.0.5"},
        env={**env, "INTAKE_INBOX": "intake@example.org"},
    )
    assert settings.public_url == PUBLIC
    # Notices link to the dashboard at the public address unless DASHBOARD_URL says otherwise.
    assert settings.dashboard_url == PUBLIC
    assert settings.trusted_hosts == ("forms.example.org", "localhost", "127.0.0.1", "10.0.0.5")
    config = settings.flask_config()
    assert config["SERVER_NAME"] == "forms.example.org"
    assert config["TRUSTED_HOSTS"] == list(settings.trusted_hosts)
    staff = load_settings(
        tmp_path, {"PUBLIC_URL": PUBLIC, "DASHBOARD_URL": "https://staff.example.org"}, env=env
    )
    assert "staff.example.org" in staff.trusted_hosts


def test_development_answers_any_host_at_its_own_address(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, DEV, env={})
    assert settings.public_url == settings.dashboard_url == "http://127.0.0.1:8000"
    assert settings.flask_config()["SERVER_NAME"] is None
    assert settings.flask_config()["TRUSTED_HOSTS"] is None


def test_development_creates_private_secrets_and_says_so(
    tmp_path: Path, monkeypatch, caplog
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("ENCRYPTION_KEYS", raising=False)
    config = load_settings(str(tmp_path / "instance"), {"INTAKE_ENV": "development"})
    for name in ("secret_key", "encryption_keys"):
        path = tmp_path / "instance" / name
        assert path.read_text().strip()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "development secret created" in caplog.text
    again = load_settings(str(tmp_path / "instance"), {"INTAKE_ENV": "development"})
    assert again.secret_key == config.secret_key  # kept, not re-made


def test_bad_settings_are_named(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "lots")
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        load_settings(str(tmp_path), {"INTAKE_ENV": "development"})
    with pytest.raises(ConfigError, match="INTAKE_ENV"):
        load_settings(str(tmp_path), {"INTAKE_ENV": "staging"})
