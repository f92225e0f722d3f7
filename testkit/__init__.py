"""The harness the tests and the benchmarks share, so both see the service the same way:
a real gunicorn deployment (`service.py`), the people who use it over HTTP (`clients.py`), a
PostgreSQL schema of one's own (`postgres.py`), the built site (`site.py`), Chromium's flags
(`browser.py`) and the crash trial (`crash.py`)."""
