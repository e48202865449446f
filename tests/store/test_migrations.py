"""The Alembic migrations build exactly the schema declared in store/schema.py."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from watchkeeper.store import Store
from watchkeeper.store.schema import metadata


def test_migrations_match_the_declared_schema(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    # Alembic's own bookkeeping table is not part of the model.
    assert [d for d in differences if "alembic_version" not in str(d)] == []


def test_migrating_twice_is_harmless(store: Store) -> None:
    before = store.digest()
    store.migrate()
    assert store.digest() == before
