"""OpenSanctions' FtM entity exports, imported without loss: yente's zala fixture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED
from watchkeeper.errors import InputError
from watchkeeper.exports import write_ftm
from watchkeeper.importers import Options, run_import
from watchkeeper.model.marking import Viewer
from watchkeeper.store import Store
from watchkeeper.store.origin import OriginReader

ZALA = SHARED / "data/sanctions/yente-screening-fixtures/zala/entities.ftm.json"
ALL = Viewer("tests", None)


def _lines(path: Path) -> dict[str, dict[str, Any]]:
    return {d["id"]: d for d in map(json.loads, path.read_text().splitlines())}


def _export(store: Store, path: Path) -> dict[str, dict[str, Any]]:
    with path.open("w", encoding="utf-8") as fh:
        write_ftm(store.read(ALL), fh)
    return _lines(path)


def test_zala_round_trips_with_its_metadata(store: Store, tmp_path: Path) -> None:
    summary = run_import(store, "ftm", ZALA, Options(dataset="zala"))
    assert summary.entities == 91 and summary.warnings == []
    original = _lines(ZALA)
    exported = _export(store, tmp_path / "out.ftm.json")
    assert exported.keys() == original.keys()
    lost: list[tuple[str, str, str]] = []
    for entity_id, before in original.items():
        after = exported[entity_id]
        assert after["schema"] == before["schema"]
        for key in ("datasets", "referents"):
            assert sorted(after[key]) == sorted(before[key]), (entity_id, key)
        for key in ("target", "first_seen", "last_seen", "last_change"):
            assert after[key] == before[key], (entity_id, key)
        for prop, values in before["properties"].items():
            for value in set(values) - set(after["properties"].get(prop, [])):
                lost.append((before["schema"], prop, value))
        for prop, values in after["properties"].items():
            assert set(values) <= set(before["properties"][prop]), (entity_id, prop)
    # What is not given back: one phone number FtM's cleaning refuses (three numbers in
    # one value), and links to addresses and companies the fixture does not hold (the
    # read path shows no link to an entity the viewer cannot see).
    phones = [v for s, p, v in lost if p == "phone"]
    assert phones == ["+7 (3412) 43-05-05; +7 (951) 210-81-28; +7 (912) 769-33-11"]
    links = {v for s, p, v in lost if p == "addressEntity"}
    assert links and not links & original.keys()
    assert {p for _, p, _ in lost} == {"phone", "addressEntity"}


def test_an_export_reimports_as_the_same_export(store: Store, tmp_path: Path) -> None:
    run_import(store, "ftm", ZALA, Options(dataset="zala"))
    first = _export(store, tmp_path / "one.ftm.json")
    fresh_path = tmp_path / "two.ftm.json"
    fresh_path.write_text((tmp_path / "one.ftm.json").read_text())
    from watchkeeper.store import open_store

    again = open_store(f"sqlite:///{tmp_path / 'again.db'}")
    run_import(again, "ftm", fresh_path, Options(dataset="zala"))
    assert _export(again, tmp_path / "three.ftm.json") == first
    again.close()


def _write(path: Path, *entities: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities))
    return path


PERSON = {
    "id": "p1",
    "schema": "Person",
    "properties": {
        "name": ["Ivan Petrov"],
        "sanctions": [
            {
                "id": "s1",
                "schema": "Sanction",
                "properties": {"authority": ["OFAC"], "program": ["RUSSIA-EO14024"]},
            }
        ],
        "addressEntity": [
            {"id": "a1", "schema": "Address", "properties": {"full": ["1 Red Square, Moscow"]}}
        ],
    },
    "datasets": ["us_ofac_sdn"],
    "referents": ["ofac-1"],
    "target": True,
    "first_seen": "2022-03-01T10:00:00",
    "last_seen": "2024-05-01T10:00:00",
    "last_change": "2023-01-01T00:00:00",
}


def test_nested_entities_are_imported_and_linked(store: Store, tmp_path: Path) -> None:
    summary = run_import(store, "ftm", _write(tmp_path / "n.ftm.json", PERSON))
    assert summary.entities == 3
    reader = store.read(ALL)
    sanction = reader.entity("s1")
    assert sanction is not None and sanction.entity.get("entity") == ["p1"]
    person = reader.entity("p1")
    assert person is not None and person.entity.get("addressEntity") == ["a1"]
    origin = OriginReader(reader).origins(["p1"])["p1"]
    assert origin.datasets == {"us_ofac_sdn"} and origin.referents == {"ofac-1"}
    assert origin.target is True and origin.last_change == "2023-01-01T00:00:00"


def test_an_unknown_property_is_reported_and_the_import_goes_on(
    store: Store, tmp_path: Path
) -> None:
    odd = dict(PERSON, properties={"name": ["Ivan Petrov"], "favouriteColour": ["red"]})
    other = {"id": "p2", "schema": "Person", "properties": {"name": ["Olga Ivanova"]}}
    path = _write(tmp_path / "odd.ftm.json", odd, other)
    before = store.digest()
    with pytest.raises(InputError, match=r"line 1 \(p1\): schema Person has no property"):
        run_import(store, "ftm", path, Options(strict=True))
    assert store.digest() == before
    summary = run_import(store, "ftm", path)
    assert summary.entities == 2
    assert len(summary.warnings) == 1
    assert "line 1 (p1)" in summary.warnings[0] and "favouriteColour" in summary.warnings[0]
    person = store.read(ALL).entity("p1")
    assert person is not None and person.entity.get("name") == ["Ivan Petrov"]


def test_a_snapshot_replaces_what_its_dataset_said(store: Store, tmp_path: Path) -> None:
    one = _write(tmp_path / "one.ftm.json", PERSON)
    run_import(store, "ftm", one, Options(dataset="os", snapshot=True, release_date="2024-05-01"))
    changed = dict(PERSON, referents=["ofac-2"], datasets=["eu_fsf"])
    two = _write(tmp_path / "two.ftm.json", changed)
    run_import(store, "ftm", two, Options(dataset="os", snapshot=True, release_date="2024-06-01"))
    origin = OriginReader(store.read(ALL)).origins(["p1"])["p1"]
    assert origin.referents == {"ofac-2"} and origin.datasets == {"eu_fsf"}
