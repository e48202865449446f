"""MovingPandas on one Parquet file of positions: gap splitting and stop detection, timed,
with what each found, as JSON. Runs in bench/maritime/.venv (MovingPandas and its
GeoPandas stack, never in the project's environment); called by run.py, which compares
the output with Watchkeeper's gaps, port calls and loitering on the same positions.

    python mpd.py POSITIONS.parquet OUT.json

Gaps: MovingPandas' ObservationGapSplitter cuts a vessel's trajectory where two
consecutive positions are at least 12 h apart (the threshold of our gap detector); each
cut is reported as (mmsi, end of the piece before, start of the piece after). Stops:
TrajectoryStopDetector, 4 h within a 3 km diameter (our loitering's minimum duration;
the diameter is of the order of a port's radius). Times are Unix seconds.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path

import geopandas as gpd
import movingpandas as mpd
import pandas as pd
import pyarrow.parquet as pq


def vessel(piece: mpd.Trajectory) -> int:
    """The MMSI of a piece MovingPandas cut: it renames the id column's values
    (440000000_0, 440000000_2024-03-01 00:00:14)."""
    return int(str(piece.df["mmsi"].iloc[0]).split("_")[0])


def seconds(value: pd.Timestamp) -> float:
    return float(pd.Timestamp(value).timestamp())


def main() -> None:
    path, out = Path(sys.argv[1]), Path(sys.argv[2])
    frame = pq.read_table(path).to_pandas()
    frame["ts"] = frame["ts"].dt.tz_localize(None)  # naive UTC, as MovingPandas wants
    started = time.perf_counter()
    gdf = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame.lon, frame.lat), crs="EPSG:4326"
    )
    collection = mpd.TrajectoryCollection(gdf, "mmsi", t="ts")
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    pieces = mpd.ObservationGapSplitter(collection).split(gap=pd.Timedelta(hours=12))
    gap_s = time.perf_counter() - started
    started = time.perf_counter()
    stops = mpd.TrajectoryStopDetector(collection).get_stop_segments(
        min_duration=pd.Timedelta(hours=4), max_diameter=3000
    )
    stop_s = time.perf_counter() - started
    by_vessel: dict[int, list[tuple[float, float]]] = {}
    for piece in pieces:
        mmsi = vessel(piece)
        by_vessel.setdefault(mmsi, []).append(
            (seconds(piece.get_start_time()), seconds(piece.get_end_time()))
        )
    gaps = []
    for mmsi, spans in by_vessel.items():
        spans.sort()
        gaps += [[mmsi, a[1], b[0]] for a, b in itertools.pairwise(spans)]
    found_stops = []
    for stop in stops:
        centre = stop.get_start_location()
        found_stops.append(
            [
                vessel(stop),
                seconds(stop.get_start_time()),
                seconds(stop.get_end_time()),
                round(centre.y, 5),
                round(centre.x, 5),
            ]
        )
    out.write_text(
        json.dumps(
            {
                "positions": len(frame),
                "trajectories_build_s": round(build_s, 2),
                "gap_splitting_s": round(gap_s, 2),
                "stop_detection_s": round(stop_s, 2),
                "pieces": len(pieces),
                "gaps": gaps,
                "stops": found_stops,
            }
        )
    )


if __name__ == "__main__":
    main()
