"""Tests of intake_server/mail."""
