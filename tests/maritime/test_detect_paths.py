"""The faster paths of ``detect`` give what the plain ones give: the watched areas'
bounding-box prefilter, loitering's runs from prepare's ``prev_slow``, and the tracks
split in a background thread, batch by batch."""

from __future__ import annotations

import math
import random
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from tests.maritime.test_episodes import _track
from watchkeeper.maritime.areas import Area
from watchkeeper.maritime.detectors import (
    TrackSplitter,
    nearest_area_sql,
    prepare_sql,
    reach_box_sql,
    reach_km,
    track_batches,
    tracks_of,
)
from watchkeeper.maritime.episodes import position_episodes
from watchkeeper.maritime.places import LOOKUP_SCHEMA
from watchkeeper.maritime.thresholds import Thresholds

SQUARE = ((140.0, 41.0), (140.4, 41.0), (140.4, 41.3), (140.0, 41.3), (140.0, 41.0))
AREAS = [
    Area("a-1", "One", 42.0, 131.0, 5.0),
    Area("a-2", "Two", 42.05, 131.1, 8.0),
    Area("a-high", "High north", 78.0, 15.0, 6.0),
    Area("a-poly", "Square", 41.15, 140.2, 0.0, polygon=SQUARE),
]


def _positions(rng: random.Random, n: int) -> list[tuple[float, float]]:
    """Positions around the areas: inside, at their boxes' edges, and just beyond."""
    out = []
    for _ in range(n):
        area = rng.choice(AREAS)
        spread = rng.choice([0.02, 0.1, 0.2, 0.5])
        lat = area.lat + rng.uniform(-spread, spread) * rng.choice([1, 1, 3])
        lon = area.lon + rng.uniform(-spread, spread) * rng.choice([1, 1, 3, 6])
        out.append((max(-89.9, min(89.9, lat)), lon))
    return out


def test_reach_box_holds_every_position_within_reach() -> None:
    """Any position within an area's reach passes its box test (the box may hold more)."""
    rng = random.Random(3)
    con = duckdb.connect()
    points = _positions(rng, 20_000)
    con.register("pts", pa.table({"lat": [p[0] for p in points], "lon": [p[1] for p in points]}))
    t = Thresholds()
    for area in AREAS:
        box = reach_box_sql(area, reach_km(area, t))
        assert box is not None
        dist = nearest_area_sql([area])
        missed, inside, outside = con.execute(
            f"SELECT count(*) FILTER (WHERE {dist} / 1000 <= {reach_km(area, t)} AND NOT {box}),"
            f" count(*) FILTER (WHERE {box}), count(*) FILTER (WHERE NOT {box}) FROM pts"
        ).fetchone() or (None, None, None)
        assert missed == 0
        assert inside and outside  # both sides were tried
    # No box where one would be unsafe.
    assert reach_box_sql(Area("pole", "Pole", 86.0, 0.0, 5.0), 15.0) is None
    assert reach_box_sql(Area("date-line", "Date line", 10.0, 179.95, 5.0), 15.0) is None


def _prepared(
    rows: list[tuple[int, float, float, float, float | None]], areas: list[Area]
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    mmsi, t, lat, lon, sog = (list(c) for c in zip(*rows, strict=True))
    raw = pa.table(
        {
            "mmsi": pa.array(mmsi, pa.int64()),
            "t": t,
            "lat": lat,
            "lon": lon,
            "sog": pa.array(sog, pa.float32()),
            "reports": pa.array([1] * len(rows), pa.int64()),
        }
    )
    con.register("raw", raw)
    con.register("place_cells", LOOKUP_SCHEMA.empty_table())
    con.execute(f"CREATE TABLE p AS {prepare_sql(areas)}")
    return con


def test_prepare_decides_as_with_every_distance() -> None:
    """Zones, the core, clearance and the distance where it is kept are those of the
    nearest-area distance computed for every position."""
    rng = random.Random(5)
    t = Thresholds()
    rows = []
    for vessel in range(40):
        when = 1.7e9
        for lat, lon in _positions(rng, 150):
            when += rng.choice([60, 180, 600])
            rows.append((vessel, when, lat, lon, rng.choice([None, 0.1, 5.0])))
    con = _prepared(rows, AREAS)
    exact = f"{nearest_area_sql(AREAS)} / 1000"
    reach = max(reach_km(a, t) for a in AREAS)
    checked = con.execute(
        f"""SELECT count(*) AS n,
            count(*) FILTER (WHERE area_km IS NOT NULL AND area_km <> {exact}) AS wrong_km,
            count(*) FILTER (WHERE area_km IS NULL AND {exact} <= {reach}) AS dropped_near,
            count(*) FILTER (WHERE area_km IS NULL) AS far,
            count(*) FILTER (WHERE in_core IS DISTINCT FROM ({exact} <= radius_km OR false)
                             AND area_km IS NOT NULL) AS wrong_core
        FROM p"""
    ).fetchone()
    assert checked is not None
    n, wrong_km, dropped_near, far, wrong_core = checked
    assert wrong_km == 0 and dropped_near == 0 and wrong_core == 0
    assert 0 < far < n  # the prefilter did skip positions, and kept others


def test_prev_slow_is_the_previous_positions_slow() -> None:
    """prev_slow (computed in prepare's one window) equals the previous position's own
    ``speed < loiter_knots AND clear``, NULLs included."""
    rng = random.Random(11)
    t = Thresholds()
    rows = []
    for vessel in range(30):
        when, lat, lon = 1.7e9, 42.0 + rng.uniform(-0.3, 0.3), 131.0 + rng.uniform(-0.3, 0.3)
        for _ in range(rng.choice([1, 2, 3, 60])):
            when += rng.choice([0, 30, 180, 3600])
            lat += rng.choice([0.0, 0.0001, 0.001, 0.05])
            rows.append((vessel, when, lat, lon, rng.choice([None, None, 0.5, 1.99, 2.0, 9.0])))
    con = _prepared(rows, AREAS)
    differ = con.execute(
        f"""SELECT count(*) FROM (
                SELECT prev_slow, lag(speed < {t.loiter_knots} AND clear)
                    OVER (PARTITION BY mmsi ORDER BY t, lat, lon) AS expected FROM p)
            WHERE prev_slow IS DISTINCT FROM expected"""
    ).fetchone()
    assert differ == (0,)
    assert con.execute("SELECT count(*) FROM p WHERE prev_slow").fetchone() != (0,)


@pytest.mark.parametrize("per_batch", [1, 3, 500])
def test_background_split_equals_the_sequential_split(per_batch: int) -> None:
    """Tracks cut into batches and split in the background thread give the events and
    shared periods of one sequential split, in the same order."""
    rng = random.Random(per_batch)
    t = Thresholds()
    tracks: dict[int, list[tuple[float, float, float]]] = {}
    for mmsi in range(200_000_000, 200_000_040):
        n = rng.choice([1, 2, 5, 50, 400])
        tracks[mmsi] = _track(rng, n, rng.randint(0, min(6, n - 1)), edge=rng.random() < 0.3)
    # A shared MMSI: two ships 100 km apart, reporting in turn.
    tracks[200_000_099] = [
        (1.7e9 + 60 * i, 40.0 + (0.9 if i % 7 < 3 else 0.0), 130.0 + 0.001 * i) for i in range(80)
    ]
    expected_events, expected_shared = position_episodes(tracks, {}, t)
    assert {d.kind for d in expected_events} == {"spoofing", "shared_mmsi"}
    flat = [(m, *p) for m in sorted(tracks) for p in tracks[m]]
    columns = (
        np.array([r[0] for r in flat], np.int64),
        np.array([r[1] for r in flat]),
        np.array([r[2] for r in flat]),
        np.array([r[3] for r in flat]),
    )
    batches = list(track_batches(columns, per_batch))
    assert len(batches) == math.ceil(len(tracks) / per_batch)
    assert [m for b in batches for m in tracks_of(b)] == sorted(tracks)
    splitter = TrackSplitter()
    splitter.MAX_PENDING = 2  # the submitting thread waits for the thread: bounded
    splitter.start({}, t)
    try:
        for batch in batches:
            splitter.submit(batch)
        events, shared, _ = splitter.results()
    finally:
        splitter.close()
    assert [d.to_dict() for d in events] == [d.to_dict() for d in expected_events]
    assert shared == expected_shared


def test_duckdb_engine_takes_a_table_after_loading_positions(tmp_path: Path) -> None:
    """``load_positions`` counts the rows it loaded and reads that answer to its end: a
    result left open made the next ``load_table`` (an Arrow table registered) fail with
    DuckDB's ResourceInUseException, as ``make bench-maritime`` did."""
    from watchkeeper.maritime.areas import theater_ports
    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.engines import DuckDBEngine
    from watchkeeper.maritime.records import identities_table, positions_table
    from watchkeeper.maritime.simulator import scenario

    sim = scenario(theater_ports(), seed=3, background=2, days=1)
    dataset = AisDataset(tmp_path / "ais")
    dataset.add_positions(positions_table(sim.positions, "simulator"))
    dataset.add_identities(identities_table(sim.identities, "simulator"))
    engine = DuckDBEngine()
    try:
        loaded = engine.load_positions(dataset, None)
        assert loaded == len(sim.positions)
        engine.load_table("cells", pa.table({"cell": [1, 2, 3]}))
        engine.append("more", "SELECT 1 AS x")
        engine.load_table("cells2", pa.table({"cell": [4]}))
        assert engine.rows("SELECT count(*) AS n FROM cells") == [{"n": 3}]
    finally:
        engine.close()
