"""Tests of intake_server/intake."""
