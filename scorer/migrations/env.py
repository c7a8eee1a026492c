"""Alembic environment for the flagged store.

`scorer.store.migrate()` runs migrations programmatically and hands over an open
connection in `config.attributes["connection"]`; there is no alembic.ini and no URL here,
so the store's own engine settings (SQLite pragmas, psycopg driver) apply to migrations.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable when run by hand
    raise RuntimeError(
        "run migrations through scorer.store.migrate(engine), which supplies the connection"
    )

context.configure(
    connection=connection,
    target_metadata=None,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
