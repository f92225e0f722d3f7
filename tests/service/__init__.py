"""Tests of the whole service as production runs it (gunicorn, through testkit): crashes and
several instances sharing one database."""
