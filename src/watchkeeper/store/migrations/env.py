"""Alembic environment: migrations run on the connection the store hands over."""

from __future__ import annotations

from alembic import context

from watchkeeper.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the store runs migrations
    raise RuntimeError("watchkeeper migrations run through watchkeeper.store.open_store()")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
