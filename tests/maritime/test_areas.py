"""User areas as GeoJSON polygons: parsing, refusals, and detection inside them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from watchkeeper.errors import InputError
from watchkeeper.maritime.areas import Area, load_geojson, theater_ports
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.detectors import detect, inside_sql
from watchkeeper.maritime.records import identities_table, positions_table
from watchkeeper.maritime.simulator import scenario

# An L-shaped (concave) polygon: the notch (lon 1..2, lat 1..2) is outside.
L_SHAPE = [[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2], [0, 0]]


def square(lon: float, lat: float, half: float) -> list[list[float]]:
    return [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_point_in_polygon_sql_handles_a_concave_ring() -> None:
    area = load_geojson_data({"type": "Polygon", "coordinates": [L_SHAPE]})[0]
    assert area.polygon is not None
    expr = inside_sql(area.polygon)
    points = {
        (0.5, 0.5): True,
        (1.5, 0.5): True,
        (0.5, 1.5): True,
        (1.5, 1.5): False,  # the notch
        (2.5, 0.5): False,
        (-0.1, 1.0): False,
    }
    con = duckdb.connect()
    for (lon, lat), expected in points.items():
        got = con.execute(f"SELECT {expr} FROM (SELECT {lat} AS lat, {lon} AS lon)").fetchone()
        assert got is not None and bool(got[0]) is expected, (lon, lat)


def load_geojson_data(data: Any, tmp: Path | None = None) -> list[Area]:
    import tempfile

    folder = tmp or Path(tempfile.mkdtemp())
    return load_geojson(write(folder / "areas.geojson", data))


def test_feature_collection_with_names_and_multipolygons(tmp_path: Path) -> None:
    data = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "Vostochny anchorage"},
             "geometry": {"type": "Polygon", "coordinates": [square(133.0, 42.7, 0.1)]}},
            {"type": "Feature", "properties": {"name": "Two boxes"},
             "geometry": {"type": "MultiPolygon",
                          "coordinates": [[square(130.0, 42.0, 0.1)], [square(131.0, 42.0, 0.1)]]}},
        ],
    }  # fmt: skip
    areas = load_geojson_data(data, tmp_path)
    assert [a.name for a in areas] == ["Vostochny anchorage", "Two boxes", "Two boxes"]
    assert [a.id for a in areas] == [
        "area-vostochny-anchorage",
        "area-two-boxes",
        "area-two-boxes-1",
    ]
    assert areas[0].lat == pytest.approx(42.7) and areas[0].lon == pytest.approx(133.0)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not a readable GeoJSON file"),
        ([1, 2], "GeoJSON must be an object"),
        ({"type": "Point", "coordinates": [1, 2]}, "is not a Polygon or MultiPolygon"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "a ring needs 4"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 95], [0, 0]]]}, "off the globe"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], ["x", 0], [1, 1], [0, 0]]]},
            "not a [longitude, latitude] point",
        ),
        ({"type": "Polygon", "coordinates": [square(179.9, 0, 0.5)]}, "off the globe"),
        (
            {"type": "Polygon", "coordinates": [[[-179, 0], [179, 0], [179, 1], [-179, 0]]]},
            "antimeridian",
        ),
        ({"type": "FeatureCollection", "features": []}, "no polygon"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature"}]}, "feature 1"),
    ],
)
def test_bad_geojson_is_one_clear_line(tmp_path: Path, content: Any, reason: str) -> None:
    path = tmp_path / "areas.geojson"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_geojson(path)
    assert reason in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_port_calls_inside_a_polygon(tmp_path: Path) -> None:
    """The simulated shuttle's Vostochny calls are found in a polygon drawn around the
    berth, and named after it; a polygon away from any traffic sees nothing."""
    ports = theater_ports()
    sim = scenario(ports, seed=1, background=5, days=4)
    dataset = AisDataset(tmp_path / "ais")
    dataset.add_positions(positions_table(sim.positions, "simulator"))
    dataset.add_identities(identities_table(sim.identities, "simulator"))
    vostochny = next(p for p in ports if "vostochny" in p.id)
    data = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "Berth box"},
             "geometry": {"type": "Polygon", "coordinates": [square(vostochny.lon, vostochny.lat, 0.03)]}},
            {"type": "Feature", "properties": {"name": "Empty sea"},
             "geometry": {"type": "Polygon", "coordinates": [square(150.0, 10.0, 0.5)]}},
        ],
    }  # fmt: skip
    polygons = load_geojson_data(data, tmp_path)
    others = [p for p in ports if p.id != vostochny.id]
    found = detect(dataset, others + polygons)
    calls = [d for d in found if d.kind == "port_call"]
    in_box = [d for d in calls if d.area == "area-berth-box"]
    truth = [e for e in sim.truth if e["kind"] == "port_call" and e.get("area") == vostochny.id]
    assert truth and len(in_box) == len(truth)
    assert not [d for d in found if d.area == "area-empty-sea"]
