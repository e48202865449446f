"""Two engines, one result: DuckDB and Spark (local mode) give identical events."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.maritime.test_ingest import SOLENT, SOLENT_MAP, SUEZ, SUEZ_MAP
from watchkeeper.maritime.areas import parse_area, theater_ports
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.detectors import KINDS, detect
from watchkeeper.maritime.ingest import ingest_file
from watchkeeper.maritime.places import known_places
from watchkeeper.maritime.records import identities_table, positions_table
from watchkeeper.maritime.simulator import scenario

pytestmark = pytest.mark.spark


def _events(
    dataset: AisDataset, areas: list, engine: str, places: list | None = None
) -> list[dict]:  # type: ignore[type-arg]
    return [d.to_dict() for d in detect(dataset, areas, engine=engine, places=places)]


def test_simulated_scenarios_give_identical_events(tmp_path: Path) -> None:
    """The acceptance scenario (trade between ports off the watch list, shared berths,
    a shared MMSI, a spoofed track...) on Spark: the same events as DuckDB, so the same
    acceptance: every scripted event, no false alarm on the background ships."""
    from tests.maritime.test_detectors import acceptance

    ports = theater_ports()
    sim = scenario(ports, seed=2, background=8, days=3)
    dataset = AisDataset(tmp_path / "ais")
    dataset.add_positions(positions_table(sim.positions, "simulator"))
    dataset.add_identities(identities_table(sim.identities, "simulator"))
    places, _ = known_places(dataset)
    duck = _events(dataset, ports, "duckdb", places)
    assert {e["kind"] for e in duck} == set(KINDS)
    spark = detect(dataset, ports, engine="spark", places=places)
    assert [d.to_dict() for d in spark] == duck
    result = acceptance(spark, sim)
    assert result["missed"] == 0 and result["false_alarms_per_100_vessel_days"] <= 1.0, result
    assert result["worst_events_per_episode"] <= 3, result


def test_real_samples_give_identical_events(tmp_path: Path) -> None:
    dataset = AisDataset(tmp_path / "ais")
    ingest_file(dataset, SOLENT, "csv", SOLENT_MAP)
    ingest_file(dataset, SUEZ, "csv", SUEZ_MAP)
    areas = [
        parse_area("Portsmouth=50.80,-1.11,2"),
        parse_area("PortSaid=31.26,32.31,4"),
        parse_area("Suez=29.96,32.55,4"),
    ]
    duck = _events(dataset, areas, "duckdb")
    assert len(duck) > 100
    assert _events(dataset, areas, "spark") == duck


def test_cli_detect_with_spark(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from watchkeeper.cli import app

    env = {"WATCHKEEPER_HOME": str(tmp_path / "home")}
    runner = CliRunner()
    runner.invoke(
        app, ["ais", "simulate", str(tmp_path / "sim"), "--vessels", "3", "--days", "3"], env=env
    )
    runner.invoke(app, ["ais", "import", str(tmp_path / "sim" / "positions.parquet")], env=env)
    duck = runner.invoke(app, ["ais", "detect", "--no-link", "--json"], env=env)
    spark = runner.invoke(
        app, ["ais", "detect", "--no-link", "--json", "--engine", "spark"], env=env
    )
    assert spark.exit_code == 0, spark.output
    assert spark.stdout == duck.stdout
    bad = runner.invoke(app, ["ais", "detect", "--engine", "hadoop"], env=env)
    assert bad.exit_code == 2 and "unknown engine" in bad.stderr


def test_polygon_areas_give_identical_events(tmp_path: Path) -> None:
    from tests.maritime.test_areas import load_geojson_data, square

    ports = theater_ports()
    sim = scenario(ports, seed=4, background=4, days=2)
    dataset = AisDataset(tmp_path / "ais")
    dataset.add_positions(positions_table(sim.positions, "simulator"))
    dataset.add_identities(identities_table(sim.identities, "simulator"))
    boxes = load_geojson_data(
        {
            "type": "MultiPolygon",
            "coordinates": [[square(p.lon, p.lat, 0.05)] for p in ports],
        },
        tmp_path,
    )
    duck = _events(dataset, boxes, "duckdb")
    assert any(e["kind"] == "port_call" for e in duck)
    assert _events(dataset, boxes, "spark") == duck
