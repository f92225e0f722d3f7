"""Tests of intake_server/storage."""
