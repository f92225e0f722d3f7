"""Tests of intake_server/staff."""
