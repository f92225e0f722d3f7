"""Fixtures for the mail tests: a free port for an SMTP server, and an app that sends there."""

from __future__ import annotations

from pathlib import Path

import pytest

from testkit.service import free_port
from tests.helpers.app import Clock, make_app
from tests.helpers.mail import mail_config


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def mail_app(site_dir: Path, sqlite_url: str, smtp_port: int, clock: Clock):
    """An app that queues a notice for every submission and sends it to `smtp_port`."""
    return make_app(site_dir, sqlite_url, clock=clock, **mail_config(smtp_port))
