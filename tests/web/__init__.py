"""Tests of intake_server/web."""
