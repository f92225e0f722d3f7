"""Where the project is, and what a test does when something it needs is missing here."""

from __future__ import annotations

import os

import pytest

from testkit.service import ROOT

__all__ = ["IN_CI", "REDIS_URL", "ROOT", "need"]

IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def need(available: bool, reason: str) -> None:
    """Skip for a missing dependency on a laptop; under CI that is a failure, never a skip."""
    if not available:
        if IN_CI:
            pytest.fail(f"required in CI: {reason}")
        pytest.skip(reason)
