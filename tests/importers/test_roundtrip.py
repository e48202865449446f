"""Exports re-import into a fresh store as the same statements."""

from __future__ import annotations

import io
from pathlib import Path

from tests.conftest import UN_XML
from tests.helpers import entity, source, write
from watchkeeper.exports import write_ftm, write_statements
from watchkeeper.importers import Options, run_import
from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.store import Store, open_store
from watchkeeper.theater import load_theater

ALL = Viewer("analyst", "KOR")


def _triples(store: Store, viewer: Viewer = ALL) -> set[tuple[str, str, str, str]]:
    return {
        (s.statement.entity_id, s.statement.schema, s.statement.prop, s.statement.value)
        for s in store.read(viewer).statements()
    }


def test_ftm_export_reimports_as_the_same_statements(store: Store, tmp_path: Path) -> None:
    run_import(store, "un-xml", UN_XML)
    load_theater(store)
    path = tmp_path / "export.ftm.json"
    with path.open("w", encoding="utf-8") as fh:
        count = write_ftm(store.read(ALL), fh)
    assert count > 2000
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.db'}")
    run_import(fresh, "ftm", path, Options(dataset="roundtrip"))
    assert _triples(fresh) == _triples(store)


def test_statement_export_keeps_provenance_and_markings(
    sqlite_store: Store, tmp_path: Path
) -> None:
    amber = Marking.make("AMBER", rel_to="KOR,USA", originator="us-ofac", recipients="kor-mofa")
    ship = entity("Vessel", "v1", name="SHIP ONE", imoNumber="9179842")
    note = entity("Vessel", "v1", notes="restricted note")
    write(sqlite_store, [ship, (note, amber)], source("test", "2024-01-01"))
    viewer = Viewer("kor-mofa", "KOR")
    buffer = io.StringIO()
    write_statements(sqlite_store.read(viewer), buffer)
    path = tmp_path / "statements.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.db'}")
    run_import(fresh, "statements", path)

    def rows(store: Store, who: Viewer) -> set[tuple[object, ...]]:
        return {
            (
                s.statement.id,
                s.statement.value,
                s.statement.first_seen,
                s.statement.last_seen,
                s.marking.key,
            )
            for s in store.read(who).statements()
        }

    assert rows(fresh, viewer) == rows(sqlite_store, viewer)
    # The marking travelled with the value: the public still cannot see the note.
    public = Viewer("anyone", "BRA")
    assert "restricted note" not in {s.statement.value for s in fresh.read(public).statements()}
