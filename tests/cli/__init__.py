"""Tests of intake_server/cli."""
