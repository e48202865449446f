"""Ports and anchorages: the gazetteer, the anchorages learned from data, their files
(and every bad input they can bring), review and export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.maritime.test_ingest import SUEZ, SUEZ_MAP
from watchkeeper.cli import app
from watchkeeper.errors import InputError
from watchkeeper.maritime.areas import parse_area
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.detectors import detect
from watchkeeper.maritime.ingest import ingest_file
from watchkeeper.maritime.places import (
    AnchorageRules,
    gazetteer,
    known_places,
    learn_anchorages,
    read_anchorages,
    save_anchorages,
)


def test_the_gazetteer_knows_the_theaters_ports() -> None:
    ports = {p.id: p for p in gazetteer()}
    assert len(ports) == 3962
    assert ports["port-krpus"].name == "Pusan (KRPUS)" and ports["port-krpus"].country == "kr"
    for code in ("port-kpnjn", "port-kpcho", "port-kpnam", "port-ruvyp", "port-ruvvo"):
        assert code in ports
    assert all(p.source == "gazetteer:searoute-1.6.0" for p in ports.values())


def _write(path: Path, data: Any) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _point(lon: Any, lat: Any, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"name": "Port", **props},
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable GeoJSON file"),
        ({"type": "FeatureCollection", "features": []}, "FeatureCollection of Point"),
        ({"type": "FeatureCollection", "features": [{"geometry": {"type": "Polygon"}}]}, "feature 1: a port must be a Point"),
        ({"type": "FeatureCollection", "features": [_point("x", 1)]}, "feature 1: latitude/longitude not numbers"),
        ({"type": "FeatureCollection", "features": [_point(200, 1)]}, "off the globe"),
        ({"type": "FeatureCollection", "features": [_point(1, 1, name="")]}, "needs a name"),
        ({"type": "FeatureCollection", "features": [_point(1, 1), _point(1, 1, radius_km=500)]}, "feature 2: radius_km 500.0"),
    ],
)  # fmt: skip
def test_a_bad_ports_file_is_one_line(tmp_path: Path, content: Any, message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        gazetteer(_write(tmp_path / "ports.geojson", content))
    assert "\n" not in str(err.value) and "ports.geojson" in str(err.value)


def test_a_ports_csv(tmp_path: Path) -> None:
    ports = gazetteer(_write(tmp_path / "p.csv", "name,lat,lon,radius_km\nHarbour A,1.5,2.5,3\n"))
    assert ports[0].points == ((1.5, 2.5),) and ports[0].radius_km == 3.0
    assert ports[0].clear_km == 10.0
    for text, message in (
        ("name,lat\nA,1\n", "needs the column"),
        ("name,lat,lon\nA,north,2\n", "line 2"),
        ("", "no ports"),
    ):
        with pytest.raises(InputError, match=message):
            gazetteer(_write(tmp_path / "bad.csv", text))


def _suez(tmp_path: Path) -> AisDataset:
    dataset = AisDataset(tmp_path / "ais")
    ingest_file(dataset, SUEZ, "csv", SUEZ_MAP)
    return dataset


def test_anchorages_are_learned_where_many_ships_wait(tmp_path: Path) -> None:
    """During the Ever Given blockage ships waited off Port Said and in the Gulf of Suez:
    those waiting areas are learned; with them, the waits are not loitering."""
    dataset = _suez(tmp_path)
    ports = gazetteer()
    learned = learn_anchorages(dataset, AnchorageRules(), ports)
    assert learned and all(a.vessels >= 2 for a in learned)
    assert any("Said" in (a.near_port or "") for a in learned)
    assert any("Adabiya" in (a.near_port or "") for a in learned)  # the port of Suez
    stricter = learn_anchorages(dataset, AnchorageRules(min_vessels=20, min_vessels_near_port=20))
    assert sum(len(a.cells) for a in stricter) < sum(len(a.cells) for a in learned)
    areas = [parse_area("Bitter=30.33,32.38,4")]
    places, note = known_places(dataset)
    assert "anchorages learned from this dataset" in note
    before = [d for d in detect(dataset, areas, kinds=("loitering",)) if d.kind == "loitering"]
    after = [
        d for d in detect(dataset, areas, kinds=("loitering",), places=places)
        if d.kind == "loitering"
    ]  # fmt: skip
    assert len(after) < len(before) / 3
    # Stored: a second call reads the file instead of learning again.
    assert "stored for this dataset" in known_places(dataset)[1]


def test_anchorages_learned_share_by_share_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large datasets group their stays a share of the vessels at a time (bounded
    memory): the anchorages are those of one grouping of every position."""
    from watchkeeper.maritime import places

    dataset = _suez(tmp_path)
    ports = gazetteer()
    whole = learn_anchorages(dataset, AnchorageRules(), ports)
    monkeypatch.setattr(places, "STAY_ROWS_PER_SHARE", 1_000)  # dozens of shares
    assert dataset.count() > 20 * 1_000
    shared = learn_anchorages(dataset, AnchorageRules(), ports)
    assert whole and shared == whole


def test_review_keeps_a_rejection_and_the_anchorage_suppresses_nothing(tmp_path: Path) -> None:
    dataset = _suez(tmp_path)
    known_places(dataset)  # learns and stores them
    path = dataset.root / "anchorages.geojson"
    anchorages, rules, positions = read_anchorages(path)
    anchorages[0].status = "rejected"
    save_anchorages(dataset, anchorages, rules, positions)
    again, _ = known_places(dataset)
    assert anchorages[0].id not in {p.id for p in again}
    relearned = learn_anchorages(dataset, rules, gazetteer(), anchorages)
    assert next(a for a in relearned if a.id == anchorages[0].id).status == "rejected"


def _anchorages(path: Path, **changes: Any) -> Path:
    data = {
        "type": "FeatureCollection",
        "watchkeeper": {
            "kind": "watchkeeper-anchorages",
            "version": 1,
            "rules": {},
            "positions": 1,
        },
        "features": [
            {"type": "Feature", "geometry": None, "properties": {"id": "a-1", "cells": [[1, 2]]}}
        ],
    }
    for key, value in changes.items():
        if key == "props":
            data["features"][0]["properties"].update(value)  # type: ignore[index]
        else:
            data["watchkeeper"][key] = value  # type: ignore[index]
    return _write(path, data)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "other"}, "not a Watchkeeper anchorages file"),
        ({"version": 7}, "version 7"),
        ({"rules": {"cell_size": 1}}, "unknown rule"),
        ({"rules": {"cell_degrees": 5}}, "out of range"),
        ({"props": {"cells": []}}, "feature 1: cells must be"),
        ({"props": {"cells": [[1, "x"]]}}, "feature 1: cells must be"),
        ({"props": {"cells": [[99999, 1]]}}, "off the globe"),
        ({"props": {"status": "maybe"}}, "status 'maybe'"),
        ({"props": {"id": ""}}, "needs an id"),
    ],
)
def test_a_bad_anchorages_file_is_one_line(tmp_path: Path, changes: Any, message: str) -> None:
    path = _anchorages(tmp_path / "anchorages.geojson", **changes)
    with pytest.raises(InputError, match=message) as err:
        read_anchorages(path)
    assert "\n" not in str(err.value)
    _write(path, "[1, 2")
    with pytest.raises(InputError, match="not a readable anchorages file"):
        read_anchorages(path)


def test_cli_learn_list_review_export(tmp_path: Path) -> None:
    env = {"WATCHKEEPER_HOME": str(tmp_path / "home")}
    runner = CliRunner()
    args = ["ais", "import", str(SUEZ), "--map", "mmsi=ID", "--map", "ts=ais_pos_timestamp",
            "--map", "lat=latitude", "--map", "lon=longitude", "--time-format", "%d/%m/%Y %H:%M"]  # fmt: skip
    assert runner.invoke(app, args, env=env).exit_code == 0
    none_yet = runner.invoke(app, ["ais", "anchorages", "list"], env=env)
    assert none_yet.exit_code == 2 and "run `ais anchorages learn`" in none_yet.stderr
    learned = runner.invoke(app, ["ais", "anchorages", "learn", "--json"], env=env)
    assert learned.exit_code == 0, learned.output
    first = json.loads(learned.stdout)[0]["id"]
    assert runner.invoke(app, ["ais", "anchorages", "review", first], env=env).exit_code == 0
    listed = json.loads(runner.invoke(app, ["ais", "anchorages", "list", "--json"], env=env).stdout)
    assert next(a for a in listed if a["id"] == first)["status"] == "rejected"
    exported = tmp_path / "anchorages.geojson"
    assert runner.invoke(app, ["ais", "anchorages", "export", "-o", str(exported)], env=env).exit_code == 0  # fmt: skip
    data = json.loads(exported.read_text())
    assert (
        data["type"] == "FeatureCollection"
        and data["features"][0]["geometry"]["type"] == "MultiPolygon"
    )
    unknown = runner.invoke(app, ["ais", "anchorages", "review", "anchorage-0-0"], env=env)
    assert unknown.exit_code == 2 and "no such anchorage" in unknown.stderr
    nowhere = runner.invoke(app, ["ais", "anchorages", "export", "-o", str(tmp_path / "no" / "x.json")], env=env)  # fmt: skip
    assert nowhere.exit_code == 2 and "does not exist" in nowhere.stderr
