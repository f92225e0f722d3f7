"""Debian's Chromium, as the browser tests and Lighthouse both start it."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Flags for Chromium on these machines (the tests' Playwright and Lighthouse alike): without the
# background-networking ones it keeps trying hosts the closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
