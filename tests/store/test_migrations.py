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


def test_the_material_migration_marks_the_demos_simulated_ais(store: Store) -> None:
    """0011_source_material: sources stored before are facts, but for the demo's simulated
    AIS runs (by their title) and the links derived from them (the same run's digest)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from watchkeeper.model.marking import CLEAR
    from watchkeeper.store.core import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0009_assessment_retract")
    with store.engine.begin() as conn:
        mark = store.marking_id(conn, CLEAR)
        rows = [
            ("wk_ais:abc", "wk_ais", "Simulated AIS (demo scenario)"),
            ("wk_ais_links:abc", "wk_ais_links", "AIS detections matched to known vessels"),
            ("wk_ais:def", "wk_ais", "AIS detections"),
            ("wk_ais_links:def", "wk_ais_links", "AIS detections matched to known vessels"),
        ]
        for ident, dataset, title in rows:
            conn.execute(
                text(
                    "INSERT INTO source (id, dataset, kind, title, publisher, reliability,"
                    " retrieved, marking_id, date_assumed) VALUES (:id, :dataset, 'feed',"
                    " :title, 'p', 'C', '2026-01-01', :mark, :no)"
                ),
                {"id": ident, "dataset": dataset, "title": title, "mark": mark, "no": False},
            )
    store.migrate()
    with store.engine.connect() as conn:
        query = text("SELECT id, material FROM source WHERE id LIKE 'wk_ais%'")
        found = {row.id: row.material for row in conn.execute(query)}
    assert found == {
        "wk_ais:abc": "simulated",
        "wk_ais_links:abc": "simulated",
        "wk_ais:def": "fact",
        "wk_ais_links:def": "fact",
    }
