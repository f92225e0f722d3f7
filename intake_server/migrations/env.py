"""Alembic environment: run by `intake_server.migrations.upgrade`, online only, on the same engine
settings (SQLite durability pragmas, psycopg 3) as the service itself."""

from __future__ import annotations

from alembic import context

from intake_server.storage.database import make_engine
from intake_server.storage.models import Base

engine = make_engine(context.config.attributes["database_url"])
try:
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
            # make_engine has SQLAlchemy emit BEGIN on SQLite, so DDL is transactional there too
            # and a failed upgrade leaves the schema as it was.
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
