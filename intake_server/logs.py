"""Structured logs: one JSON object a line, built only from fields chosen in code.

Log calls pass an event name and non-identifying fields (kind, reference, status); nothing a
person typed is ever handed to a logger, and request bodies are never logged.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else was passed deliberately through `extra=`.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: exception messages can quote data (a driver echoing a value).
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet = max(logging.WARNING, root.level)
    # Migrations announce every step at INFO; operators need only their warnings.
    logging.getLogger("alembic").setLevel(quiet)
    # Flask-Limiter names the client's address in its INFO line about a refused request; an
    # address identifies a person. The views log their own line without it.
    logging.getLogger("flask-limiter").setLevel(quiet)
