"""Small pieces with sharp edges: crisis words, configuration, page shells."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from intake_server.config import ConfigError, load_config
from intake_server.shell import absolutize, script_hashes
from intake_server.urgency import is_urgent, mentions_crisis


@pytest.mark.parametrize(
    "text",
    [
        "I keep thinking about suicide",
        "some days I want to die",
        "He talks about ending his life. I think he might end my life too? no, END MY LIFE",
        "she has been cutting herself and self-harm is new",
        "Self harm",
        "I wish I were dead",
        "he took an overdose last year",
    ],
)
def test_crisis_words_are_found(text: str) -> None:
    assert mentions_crisis([text])


@pytest.mark.parametrize(
    "text",
    [
        "I am killing it at work but I'm exhausted",
        "My skill myself? no",
        "The diet is to die for",
        "",
    ],
)
def test_ordinary_words_are_not_crisis_words(text: str) -> None:
    assert not mentions_crisis([text])


def test_urgent_choices_count_without_any_words() -> None:
    assert is_urgent(["anxiety", "suicidal_thoughts"], [])
    assert is_urgent(["crisis"], [""])
    assert not is_urgent(["anxiety", "depression"], ["Sleep better"])


def test_production_refuses_to_start_without_secrets(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("ENCRYPTION_KEYS", raising=False)
    monkeypatch.delenv("INTAKE_ENV", raising=False)  # production is the default
    with pytest.raises(ConfigError, match="SECRET_KEY and ENCRYPTION_KEYS"):
        load_config(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    with pytest.raises(ConfigError, match="ENCRYPTION_KEYS"):
        load_config(str(tmp_path))
    assert not list(tmp_path.iterdir()), "production must not invent secrets"


def test_production_cookies_are_secure_and_host_prefixed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("ENCRYPTION_KEYS", "k")
    config = load_config(str(tmp_path), {"INTAKE_ENV": "production"})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert config["SESSION_COOKIE_HTTPONLY"] is True


def test_development_creates_private_secrets_and_says_so(
    tmp_path: Path, monkeypatch, caplog
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("ENCRYPTION_KEYS", raising=False)
    config = load_config(str(tmp_path / "instance"), {"INTAKE_ENV": "development"})
    for name in ("secret_key", "encryption_keys"):
        path = tmp_path / "instance" / name
        assert path.read_text().strip()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "development secret created" in caplog.text
    again = load_config(str(tmp_path / "instance"), {"INTAKE_ENV": "development"})
    assert again["SECRET_KEY"] == config["SECRET_KEY"]  # kept, not re-made


def test_bad_settings_are_named(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "lots")
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        load_config(str(tmp_path), {"INTAKE_ENV": "development"})
    with pytest.raises(ConfigError, match="INTAKE_ENV"):
        load_config(str(tmp_path), {"INTAKE_ENV": "staging"})


def test_absolutize_resolves_relative_links_against_the_page() -> None:
    html = (
        '<a href="../faq/">x</a><img src="../assets/a.svg"><a href="#top">t</a>'
        '<a href="https://988lifeline.org/">l</a><a href="tel:988">c</a>'
        '<script id="__config" type="application/json">{"base": "..", "search": "../assets/s.js"}</script>'
    )
    out = absolutize(html, "/consultation/")
    assert 'href="/faq/"' in out and 'src="/assets/a.svg"' in out
    assert (
        'href="#top"' in out
        and 'href="https://988lifeline.org/"' in out
        and 'href="tel:988"' in out
    )
    assert '"base": "/"' in out and '"search": "/assets/s.js"' in out


def test_script_hashes_cover_only_inline_scripts() -> None:
    html = '<script>a()</script><script src="/x.js"></script><script type="application/ld+json">{}</script>'
    assert len(script_hashes(html)) == 1
    assert script_hashes(html)[0].startswith("'sha256-")
