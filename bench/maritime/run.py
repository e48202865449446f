"""Maritime benchmark: ingest and detectors at 1 M, 10 M (and 100 M with --full) simulated
positions on this machine, beside MovingPandas on the same 1 M-position input.

One command: `make bench-maritime` (BENCH_ARGS=--full adds 100 M end to end). Results go
to results/maritime.json and are summarised in README.md. Each detector step is timed on
one in-memory table at 1 M and 10 M; "end to end" runs `detect` as `ais detect` does
(groups of vessels per pass, bounded memory) in a process of its own, at 10 M and 100 M.

The positions are generated with numpy and written straight into the day-partitioned
dataset (the simulator in the package writes Python objects and is for scenarios, not
volume): vessels steam at 8-14 kn reporting every 3 minutes, a fifth of them drift at
anchor-like speeds for hours, one in twenty lies at a watched port, and a tenth go dark
for 13-30 hours once.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from watchkeeper.maritime import detectors as det
from watchkeeper.maritime.areas import theater_ports
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.engines import DuckDBEngine
from watchkeeper.maritime.ingest import ingest_file
from watchkeeper.maritime.records import POSITION_SCHEMA
from watchkeeper.maritime.thresholds import Thresholds

START = datetime(2024, 3, 1, tzinfo=UTC)
EVERY_S = 180
DAYS = 5


def generate(total: int, folder: Path, seed: int = 7) -> None:
    """``total`` positions over DAYS days, written one day at a time (bounded memory)."""
    rng = np.random.default_rng(seed)
    per_day = 86400 // EVERY_S
    vessels = max(1, total // (per_day * DAYS))
    lat0 = rng.uniform(36, 44, vessels)
    lon0 = rng.uniform(129.5, 139, vessels)
    heading = rng.uniform(0, 2 * np.pi, vessels)
    knots = rng.uniform(8, 14, vessels)
    slow = rng.random(vessels) < 0.2
    ports = theater_ports()
    in_port = rng.random(vessels) < 0.05  # lie at a watched port the whole time
    which = rng.integers(0, len(ports), vessels)
    dark_day = np.where(rng.random(vessels) < 0.1, rng.integers(1, DAYS - 1, vessels), -1)
    mmsi = 440_000_000 + np.arange(vessels)
    travelled = np.zeros(vessels)  # carried from day to day so tracks stay continuous
    for day in range(DAYS):
        steps = np.arange(day * per_day, (day + 1) * per_day)
        t = START.timestamp() + steps[None, :] * EVERY_S + rng.integers(0, 30, (vessels, per_day))
        speed = np.where(slow[:, None] & (steps[None, :] % 400 < 120), 0.15, knots[:, None])
        speed = np.where(in_port[:, None], 0.05, speed)
        km = speed * 1.852 * EVERY_S / 3600
        dist = np.cumsum(km, axis=1) + travelled[:, None]
        travelled = dist[:, -1]
        # A triangle wave keeps tracks inside the sea area without teleporting at the edge.
        lat = lat0[:, None] + np.abs((np.cos(heading)[:, None] * dist / 111.0) % 8 - 4) - 2
        lon = lon0[:, None] + np.abs((np.sin(heading)[:, None] * dist / 90.0) % 9 - 4.5) - 2.25
        port_lat = np.array([ports[i].lat for i in which])[:, None] + dist * 0
        port_lon = np.array([ports[i].lon for i in which])[:, None] + dist * 0
        lat = np.where(in_port[:, None], port_lat + (dist % 0.5) / 111, lat)
        lon = np.where(in_port[:, None], port_lon, lon)
        keep = ~((dark_day[:, None] == day) & (steps[None, :] % per_day > per_day // 3))
        table = pa.table(
            {
                "mmsi": np.repeat(mmsi, per_day)[keep.ravel()],
                "ts": pa.array(
                    (t.ravel()[keep.ravel()] * 1000).astype("int64"), pa.timestamp("ms", tz="UTC")
                ),
                "lat": lat.ravel()[keep.ravel()],
                "lon": lon.ravel()[keep.ravel()],
                "sog": speed.ravel()[keep.ravel()].astype("float32"),
                "cog": np.zeros(keep.sum(), "float32"),
                "heading": pa.nulls(int(keep.sum()), pa.float32()),
                "source": pa.array(["bench"] * int(keep.sum())),
            },
            schema=POSITION_SCHEMA,
        )
        part = (
            folder
            / "positions"
            / f"day={(START.date().fromordinal(START.date().toordinal() + day)).isoformat()}"
        )
        part.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, part / "part-bench.parquet")


def rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def time_detectors(dataset: AisDataset, rows: int) -> dict[str, object]:
    engine = DuckDBEngine()
    areas = theater_ports()
    thresholds = Thresholds()
    out: dict[str, object] = {}
    started = time.perf_counter()
    engine.load_areas(areas)
    engine.load_positions(dataset, None)
    engine.select_vessels(1, 0)
    engine.table("p", det.prepare_sql(areas))
    prepare = time.perf_counter() - started
    out["prepare (nearest port, speeds)"] = {
        "seconds": round(prepare, 2),
        "positions_per_s": round(rows / prepare),
    }

    def encounters(engine: DuckDBEngine, t: Thresholds) -> list[det.Detection]:
        engine.table("slow_cells", det._slow_cells_sql(t))
        return det._encounters(engine, t)

    for name, step in (("gaps", det._gaps), ("port calls", det._port_calls), ("loitering", det._loitering),
                       ("encounters", encounters), ("jumps", det._jumps)):  # fmt: skip
        started = time.perf_counter()
        found = step(engine, thresholds)
        seconds = time.perf_counter() - started
        out[name] = {
            "seconds": round(seconds, 2),
            "positions_per_s": round(rows / seconds),
            "events": len(found),
        }
    engine.close()
    return out


def movingpandas(path: Path) -> dict[str, object]:
    import geopandas as gpd
    import movingpandas as mpd
    import pandas as pd

    frame = pq.read_table(path).to_pandas()
    frame["ts"] = frame["ts"].dt.tz_localize(None)
    started = time.perf_counter()
    gdf = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame.lon, frame.lat), crs="EPSG:4326"
    )
    collection = mpd.TrajectoryCollection(gdf, "mmsi", t="ts")
    build = time.perf_counter() - started
    started = time.perf_counter()
    gaps = mpd.ObservationGapSplitter(collection).split(gap=pd.Timedelta(hours=12))
    gap_s = time.perf_counter() - started
    started = time.perf_counter()
    stops = mpd.TrajectoryStopDetector(collection).get_stop_segments(
        min_duration=pd.Timedelta(hours=4), max_diameter=3000
    )
    stop_s = time.perf_counter() - started
    rows = len(frame)
    return {
        "trajectories build": {"seconds": round(build, 2), "positions_per_s": round(rows / build)},
        "gap splitting": {
            "seconds": round(gap_s, 2),
            "positions_per_s": round(rows / gap_s),
            "pieces": len(gaps),
        },
        "stop detection": {
            "seconds": round(stop_s, 2),
            "positions_per_s": round(rows / stop_s),
            "stops": len(stops),
        },
    }


def end_to_end(rows: int) -> dict[str, object]:
    """``rows`` positions, generated, then every detector through ``detect`` as `ais
    detect` runs them (groups of vessels per pass on DuckDB); in its own process, so the
    peak RSS is this run's."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ais"
        started = time.perf_counter()
        generate(rows, folder)
        dataset = AisDataset(folder)
        actual = dataset.count()
        generated = time.perf_counter() - started
        started = time.perf_counter()
        steps: dict[str, float] = {}
        found = det.detect(dataset, theater_ports(), timings=steps)
        seconds = time.perf_counter() - started
        kinds: dict[str, int] = {}
        for d in found:
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
        return {
            "positions": actual,
            "generate_s": round(generated, 1),
            "detect_s": round(seconds, 1),
            "positions_per_s": round(actual / seconds),
            "passes": math.ceil(actual / (DuckDBEngine.rows_per_pass or actual)),
            "events": kinds,
            "steps": {
                k: {"seconds": round(v, 1), "positions_per_s": round(actual / v) if v else None}
                for k, v in steps.items()
            },
            "peak_rss_mb": rss_mb(),
        }


def main() -> None:
    if "--end-to-end" in sys.argv:
        print(json.dumps(end_to_end(int(sys.argv[sys.argv.index("--end-to-end") + 1]))))
        return
    scales = [1_000_000, 10_000_000]
    results: dict[str, object] = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for rows in scales:
            folder = Path(tmp) / f"ais-{rows}"
            started = time.perf_counter()
            generate(rows, folder)
            dataset = AisDataset(folder)
            actual = dataset.count()
            entry: dict[str, object] = {
                "positions": actual,
                "generate_s": round(time.perf_counter() - started, 1),
            }
            entry["detectors (duckdb)"] = time_detectors(dataset, actual)
            entry["peak_rss_mb"] = rss_mb()
            if rows == 1_000_000:
                one_file = Path(tmp) / "one-million.parquet"
                files = sorted(str(f) for f in folder.glob("positions/day=*/*.parquet"))
                pq.write_table(pa.concat_tables([pq.read_table(f) for f in files]), one_file)
                started = time.perf_counter()
                report = ingest_file(AisDataset(Path(tmp) / "ingested"), one_file)
                seconds = time.perf_counter() - started
                entry["ingest (parquet file -> dataset)"] = {
                    "seconds": round(seconds, 1),
                    "positions_per_s": round(report.positions / seconds),
                }
                entry["movingpandas"] = movingpandas(one_file)
            results[f"{rows:,}"] = entry
            print(json.dumps({f"{rows:,}": entry}, indent=1), flush=True)
            shutil.rmtree(folder)
    # End to end through `detect`, each scale in its own process (peak RSS its own).
    for rows in [10_000_000] + ([100_000_000] if "--full" in sys.argv else []):
        run = subprocess.run(
            [sys.executable, __file__, "--end-to-end", str(rows)],
            capture_output=True,
            text=True,
            check=True,
        )
        entry = json.loads(run.stdout.strip().splitlines()[-1])
        results[f"end to end {rows:,}"] = entry
        print(json.dumps({f"end to end {rows:,}": entry}, indent=1), flush=True)
    out = Path(__file__).parent / "results" / "maritime.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
