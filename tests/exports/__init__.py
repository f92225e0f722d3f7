"""Tests of intake_server/exports."""
