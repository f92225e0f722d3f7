"""A PostgreSQL schema of one's own, so a run never touches another run's tables."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# The local server every machine here runs (trust auth, database `test`); the tests use it too.
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def fresh_schema(base_url: str, application_name: str | None = None) -> Iterator[str]:
    """A URL whose connections all work in a new, empty schema, dropped with its tables after.
    `application_name` labels the connections, so a crash trial can find (and kill) its own."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    from sqlalchemy.schema import CreateSchema, DropSchema

    name = f"test_{secrets.token_hex(6)}"
    admin = sa.create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(CreateSchema(name))
    try:
        query = {"options": f"-csearch_path={name}"}
        if application_name:
            query["application_name"] = application_name
        url = make_url(base_url).update_query_dict(query)
        yield url.render_as_string(hide_password=False)
    finally:
        # A crash trial may have just restarted the server: wait for it to take connections.
        admin.dispose()
        for attempt in range(100):
            try:
                with admin.begin() as conn:
                    conn.execute(DropSchema(name, cascade=True))
                break
            except sa.exc.OperationalError:
                if attempt == 99:
                    raise
                time.sleep(0.1)
        admin.dispose()


@contextmanager
def database_url(
    backend: str, folder: Path, name: str, postgres_url: str = POSTGRES_URL
) -> Iterator[str]:
    """An empty database for a benchmark: a SQLite file in `folder`, or a fresh PostgreSQL
    schema whose connections are labelled `intake-bench-<name>`."""
    if backend == "postgres":
        with fresh_schema(postgres_url, f"intake-bench-{name}") as url:
            yield url
    else:
        yield f"sqlite:///{folder / f'{name}.sqlite3'}"
