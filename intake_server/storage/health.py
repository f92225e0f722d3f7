"""Whether the database takes writes: the health check's second question, after "does it answer?"

A database can answer every read while no commit succeeds (a full disk, a file or a server gone
read-only), and then no form can be stored. The probe rewrites one fixed row in a transaction of
its own and commits it: nothing a person sent is involved, and the table never grows.
"""

from __future__ import annotations

from sqlalchemy import Engine

from intake_server.storage.clock import Clock, utc_now
from intake_server.storage.database import writer_session_factory
from intake_server.storage.models import HealthCheck
from intake_server.storage.submissions import storage_errors

HEALTH_ROW = 1


class WriteProbe:
    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self._write = writer_session_factory(engine)
        self._clock = clock

    def check(self) -> None:
        """Return once a write has committed; raise StorageUnavailable if it could not."""
        with storage_errors("the database did not commit a write"), self._write.begin() as session:
            session.merge(HealthCheck(id=HEALTH_ROW, checked_at=self._clock()))
