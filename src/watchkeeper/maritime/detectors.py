"""The detectors, written once as portable SQL and run by an engine (DuckDB or Spark).

Port calls, AIS gaps, loitering, encounters, impossible jumps (spoofing) and identity
changes. Each is one query over positions joined to the nearest watched area. The SQL
uses only what DuckDB and Spark SQL share: times as epoch seconds (``t``), ``min_by``,
window functions and joins; thresholds are rendered as numeric literals. The engines
(``engines.py``) only load the data and run the text, so both give the same events;
every window is ordered on a unique key (time, then position) so ties break the same
way in both.
Results are sorted, so two runs on the same input give the same list.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from watchkeeper.maritime.areas import Area
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.engines import Engine, get_engine
from watchkeeper.maritime.flags import flag_of
from watchkeeper.maritime.thresholds import Thresholds

KINDS = ("port_call", "gap", "loitering", "encounter", "jump", "identity_change")
EARTH_M = 6371008.8
KNOT_M_PER_H = 1852.0


@dataclass
class Detection:
    kind: str
    mmsi: int
    start: datetime
    end: datetime
    lat: float | None = None
    lon: float | None = None
    other_mmsi: int | None = None
    area: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Aggregates are summed in a different order by each engine: keep what is stable.
        self.lat = None if self.lat is None else round(self.lat, 5)
        self.lon = None if self.lon is None else round(self.lon, 5)

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.kind, self.mmsi, self.start, self.other_mmsi or 0, self.area or "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "mmsi": self.mmsi,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "lat": self.lat,
            "lon": self.lon,
            "other_mmsi": self.other_mmsi,
            "area": self.area,
            "details": self.details,
        }


def dist_m(a_lat: str, a_lon: str, b_lat: str, b_lon: str) -> str:
    """Great-circle distance in metres (haversine), as an SQL expression."""
    return (
        f"(2 * {EARTH_M} * asin(sqrt(power(sin(radians({b_lat} - {a_lat}) / 2), 2)"
        f" + cos(radians({a_lat})) * cos(radians({b_lat})) * power(sin(radians({b_lon} - {a_lon}) / 2), 2))))"
    )


def when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def inside_sql(ring: tuple[tuple[float, float], ...]) -> str:
    """Is (lat, lon) inside the ring? Ray casting as one SQL expression, behind a
    bounding-box test. Each edge's slope is computed here, so the SQL never divides
    (Spark's ANSI mode would fail a division by zero)."""
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    terms = []
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if y1 == y2:
            continue  # a horizontal edge is never crossed by the ray
        slope = (x2 - x1) / (y2 - y1)
        terms.append(
            f"CASE WHEN (({y1!r} > lat) <> ({y2!r} > lat)) AND lon < {slope!r} * (lat - {y1!r}) + {x1!r} THEN 1 ELSE 0 END"
        )
    crossings = " + ".join(terms) or "0"
    return (
        f"(lat BETWEEN {min(lats)!r} AND {max(lats)!r} AND lon BETWEEN {min(lons)!r} AND {max(lons)!r}"
        f" AND ({crossings}) % 2 = 1)"
    )


def _area_distance(area: Area) -> str:
    """Metres from (lat, lon) to the area: to its centre, or 0 inside a polygon."""
    centre = dist_m("lat", "lon", str(area.lat), str(area.lon))
    if area.polygon is None:
        return centre
    return f"(CASE WHEN {inside_sql(area.polygon)} THEN 0.0 ELSE {centre} END)"


def prepare_sql(areas: list[Area]) -> str:
    """Positions with their nearest watched area and a speed for every position.

    The nearest area is a projection (``least`` and ``CASE`` over the few areas), not a
    join and group-by over every position: it keeps this step linear and streaming.
    """
    if areas:
        dists = [_area_distance(a) for a in areas]
        nearest = f"least({', '.join(dists)})" if len(dists) > 1 else dists[0]
        area_id = (
            "CASE "
            + " ".join(
                f"WHEN {d} = {nearest} THEN {_literal(a.id)}"
                for d, a in zip(dists, areas, strict=True)
            )
            + " END"
        )
        radius = (
            "CASE "
            + " ".join(
                f"WHEN {d} = {nearest} THEN {a.radius_km}"
                for d, a in zip(dists, areas, strict=True)
            )
            + " END"
        )
        area_cols = f"{area_id} AS area_id, {nearest} / 1000 AS area_km, {radius} AS radius_km"
    else:
        area_cols = "CAST(NULL AS VARCHAR) AS area_id, CAST(NULL AS DOUBLE) AS area_km, CAST(NULL AS DOUBLE) AS radius_km"
    return f"""
WITH near AS (
    SELECT mmsi, t, lat, lon, sog, {area_cols} FROM raw
), lagged AS (
    SELECT *,
        lag(t) OVER w AS prev_t, lag(lat) OVER w AS prev_lat, lag(lon) OVER w AS prev_lon,
        lag(area_id) OVER w AS prev_area_id, lag(area_km) OVER w AS prev_area_km,
        lag(radius_km) OVER w AS prev_radius_km,
        lead(t) OVER w AS next_t, lead(lat) OVER w AS next_lat, lead(lon) OVER w AS next_lon
    FROM near WINDOW w AS (PARTITION BY mmsi ORDER BY t, lat, lon)
)
SELECT *,
    {dist_m("prev_lat", "prev_lon", "lat", "lon")} AS step_m,
    t - prev_t AS step_s,
    coalesce(sog,
        CASE WHEN t - prev_t > 0 THEN {dist_m("prev_lat", "prev_lon", "lat", "lon")} / (t - prev_t) * 3600 / 1852 END,
        CASE WHEN next_t - t > 0 THEN {dist_m("lat", "lon", "next_lat", "next_lon")} / (next_t - t) * 3600 / 1852 END
    ) AS speed
FROM lagged
"""


def detect(
    dataset: AisDataset,
    areas: list[Area],
    thresholds: Thresholds | None = None,
    since: datetime | None = None,
    kinds: tuple[str, ...] = KINDS,
    engine: str | Engine = "duckdb",
    timings: dict[str, float] | None = None,
) -> list[Detection]:
    """Every detector of ``kinds`` over the dataset; ``timings``, when given, receives
    the seconds each step took, summed over the passes (for the benchmark)."""
    t = thresholds or Thresholds()
    clock = timings if timings is not None else {}

    def timed(step: str, started: float) -> None:
        clock[step] = clock.get(step, 0.0) + time.perf_counter() - started

    runner = get_engine(engine) if isinstance(engine, str) else engine
    found: list[Detection] = []
    per_vessel = {
        "port_call": _port_calls,
        "gap": _gaps,
        "loitering": _loitering,
        "jump": _jumps,
    }
    try:
        runner.load_areas(areas)
        positions = runner.load_positions(dataset, since)
        if positions:
            # Every detector but encounters looks at one vessel at a time, so the data is
            # taken in groups of vessels that fit in memory; encounters take each group's
            # slow, away-from-port time buckets and pair them up once all are in.
            per_pass = runner.rows_per_pass
            runner.drop("slow_cells")
            groups = max(1, math.ceil(positions / per_pass)) if per_pass else 1
            for group in range(groups):
                started = time.perf_counter()
                runner.select_vessels(groups, group)
                runner.table("p", prepare_sql(areas))
                timed("prepare", started)
                for kind, step in per_vessel.items():
                    if kind in kinds:
                        started = time.perf_counter()
                        found.extend(step(runner, t))
                        timed(kind, started)
                if "encounter" in kinds:
                    started = time.perf_counter()
                    runner.append("slow_cells", _slow_cells_sql(t))
                    timed("encounter", started)
                runner.drop("p")
                runner.drop("raw")
            if "encounter" in kinds:
                started = time.perf_counter()
                found.extend(_encounters(runner, t))
                timed("encounter", started)
        if "identity_change" in kinds and runner.load_identities(dataset, since):
            found.extend(_identity_changes(runner))
    finally:
        runner.close()
    return sorted(found, key=lambda d: (d.start, d.kind, d.mmsi, d.other_mmsi or 0, d.area or ""))


def _port_calls(engine: Engine, t: Thresholds) -> list[Detection]:
    # A run of positions in one area's zone starts where the previous position (by the
    # same ordering as prepare's lag columns) was not in that zone, or came a gap ago.
    # That is decided row by row from prepare's prev_* columns, so only the few positions
    # in a zone reach a window function.
    zone = t.port_exit_margin_km
    sql = f"""
    WITH s AS (
        SELECT mmsi, t, lat, lon, speed, area_id,
               coalesce(area_km <= radius_km, false) AS in_core,
               CASE WHEN coalesce(prev_area_km <= prev_radius_km + {zone}, false)
                         AND prev_area_id = area_id AND t - prev_t < {t.gap_hours * 3600}
                    THEN 0 ELSE 1 END AS new_run
        FROM p WHERE coalesce(area_km <= radius_km + {zone}, false)
    ), runs AS (
        SELECT *, sum(new_run) OVER (PARTITION BY mmsi ORDER BY t, lat, lon) AS run FROM s
    )
    SELECT mmsi, area_id, min(t) AS start_t, max(t) AS end_t, avg(lat) AS lat, avg(lon) AS lon,
           min(speed) AS min_speed, count(*) AS positions
    FROM runs GROUP BY mmsi, area_id, run
    HAVING bool_or(in_core) AND min(speed) < {t.stop_knots}
    """
    return [
        Detection(
            "port_call",
            r["mmsi"],
            when(r["start_t"]),
            when(r["end_t"]),
            r["lat"],
            r["lon"],
            area=r["area_id"],
            details={"min_knots": round(r["min_speed"], 2), "positions": r["positions"]},
        )
        for r in engine.rows(sql)
    ]


def _gaps(engine: Engine, t: Thresholds) -> list[Detection]:
    margin = t.port_exit_margin_km
    sql = f"""
    SELECT mmsi, prev_t, t, prev_lat, prev_lon, lat, lon, step_m, step_s,
           CASE WHEN prev_area_km <= prev_radius_km + {margin} THEN prev_area_id END AS start_area,
           CASE WHEN area_km <= radius_km + {margin} THEN area_id END AS end_area
    FROM p WHERE step_s >= {t.gap_hours * 3600}
    """
    out = []
    for r in engine.rows(sql):
        hours = r["step_s"] / 3600
        out.append(
            Detection(
                "gap",
                r["mmsi"],
                when(r["prev_t"]),
                when(r["t"]),
                r["prev_lat"],
                r["prev_lon"],
                area=r["start_area"] or r["end_area"],
                details={
                    "hours": round(hours, 2),
                    "implied_knots": round(r["step_m"] / KNOT_M_PER_H / hours, 2),
                    "start_area": r["start_area"],
                    "end_area": r["end_area"],
                    "end_lat": round(r["lat"], 5),
                    "end_lon": round(r["lon"], 5),
                },
            )
        )
    return out


def _loitering(engine: Engine, t: Thresholds) -> list[Detection]:
    sql = f"""
    WITH s AS (
        SELECT *, speed < {t.loiter_knots} AND coalesce(area_km >= {t.away_from_port_km}, true) AS slow FROM p
    ), marks AS (
        SELECT *, CASE WHEN slow AND lag(slow) OVER w AND t - lag(t) OVER w < {t.gap_hours * 3600} THEN 0 ELSE 1 END AS new_run
        FROM s WINDOW w AS (PARTITION BY mmsi ORDER BY t, lat, lon)
    ), runs AS (
        SELECT *, sum(new_run) OVER (PARTITION BY mmsi ORDER BY t, lat, lon) AS run FROM marks
    )
    SELECT mmsi, min(t) AS start_t, max(t) AS end_t, avg(lat) AS lat, avg(lon) AS lon,
           avg(speed) AS mean_speed, count(*) AS positions
    FROM runs WHERE slow GROUP BY mmsi, run
    HAVING max(t) - min(t) >= {t.loiter_hours * 3600}
    """
    return [
        Detection(
            "loitering",
            r["mmsi"],
            when(r["start_t"]),
            when(r["end_t"]),
            r["lat"],
            r["lon"],
            details={
                "hours": round((r["end_t"] - r["start_t"]) / 3600, 2),
                "mean_knots": round(r["mean_speed"], 2),
                "positions": r["positions"],
            },
        )
        for r in engine.rows(sql)
    ]


def _slow_cells_sql(t: Thresholds) -> str:
    """Mean position per vessel per time bucket, kept when slow and away from port, on a
    grid of ~1 km cells (per vessel: computed pass by pass)."""
    size = t.encounter_bucket_minutes * 60
    return f"""
    WITH b AS (
        SELECT mmsi, floor(t / {size}) * {size} AS bucket, avg(lat) AS lat, avg(lon) AS lon,
               avg(speed) AS speed, min(area_km) AS area_km
        FROM p GROUP BY mmsi, floor(t / {size}) * {size}
    )
    SELECT *, CAST(floor(lat / 0.01) AS BIGINT) AS cy, CAST(floor(lon / 0.01) AS BIGINT) AS cx FROM b
    WHERE speed < {t.encounter_knots} AND coalesce(area_km >= {t.away_from_port_km}, true)
    """


def _encounters(engine: Engine, t: Thresholds) -> list[Detection]:
    # Pairs are only compared within the same time bucket and neighbouring cells, never
    # all against all.
    size = t.encounter_bucket_minutes * 60
    sql = f"""
    WITH cells AS (
        SELECT * FROM slow_cells
    ), near AS (
        SELECT a.mmsi AS m1, o.mmsi AS m2, a.bucket, {dist_m("a.lat", "a.lon", "o.lat", "o.lon")} AS d,
               (a.speed + o.speed) / 2 AS speed, (a.lat + o.lat) / 2 AS lat, (a.lon + o.lon) / 2 AS lon
        FROM cells a JOIN cells o
          ON a.bucket = o.bucket AND a.mmsi < o.mmsi AND o.cy BETWEEN a.cy - 1 AND a.cy + 1
             AND o.cx BETWEEN a.cx - 1 AND a.cx + 1
        WHERE {dist_m("a.lat", "a.lon", "o.lat", "o.lon")} <= {t.encounter_meters}
    ), marks AS (
        SELECT *, CASE WHEN bucket - lag(bucket) OVER w <= {size * 2} THEN 0 ELSE 1 END AS new_run
        FROM near WINDOW w AS (PARTITION BY m1, m2 ORDER BY bucket)
    ), runs AS (
        SELECT *, sum(new_run) OVER (PARTITION BY m1, m2 ORDER BY bucket) AS run FROM marks
    )
    SELECT m1, m2, min(bucket) AS start_t, max(bucket) + {size} AS end_t, min(d) AS min_d,
           median(speed) AS median_speed, avg(lat) AS lat, avg(lon) AS lon
    FROM runs GROUP BY m1, m2, run
    HAVING max(bucket) + {size} - min(bucket) >= {t.encounter_hours * 3600}
    """
    return [
        Detection(
            "encounter",
            r["m1"],
            when(r["start_t"]),
            when(r["end_t"]),
            r["lat"],
            r["lon"],
            other_mmsi=r["m2"],
            details={
                "min_distance_m": round(r["min_d"]),
                "median_knots": round(r["median_speed"], 2),
            },
        )
        for r in engine.rows(sql)
    ]


def _jumps(engine: Engine, t: Thresholds) -> list[Detection]:
    sql = f"""
    SELECT mmsi, prev_t, t, lat, lon, prev_lat, prev_lon, step_m, step_s FROM p
    WHERE step_m >= {t.jump_min_km * 1000} AND (step_s = 0 OR step_m / step_s * 3600 / 1852 > {t.jump_knots})
    """
    return [
        Detection(
            "jump",
            r["mmsi"],
            when(r["prev_t"]),
            when(r["t"]),
            r["lat"],
            r["lon"],
            details={
                "km": round(r["step_m"] / 1000, 1),
                "from_lat": round(r["prev_lat"], 5),
                "from_lon": round(r["prev_lon"], 5),
                "implied_knots": None
                if not r["step_s"]
                else round(r["step_m"] / r["step_s"] * 3600 / 1852, 1),
            },
        )
        for r in engine.rows(sql)
    ]


def _identity_changes(engine: Engine) -> list[Detection]:
    out = []
    for column in ("name", "imo", "call_sign"):
        sql = f"""
        WITH v AS (
            SELECT mmsi, t, {column} AS value, lag({column}) OVER (PARTITION BY mmsi ORDER BY t, {column}) AS prev
            FROM ident WHERE {column} IS NOT NULL
        ), changes AS (
            SELECT mmsi, t, prev, value FROM v WHERE prev IS NOT NULL AND prev <> value
        )
        SELECT c.mmsi, c.t, c.prev, c.value, count(v2.value) AS earlier
        FROM changes c LEFT JOIN v v2
          ON v2.mmsi = c.mmsi AND v2.t < c.t AND v2.value = c.value AND v2.value <> c.prev
        GROUP BY c.mmsi, c.t, c.prev, c.value
        """
        for r in engine.rows(sql):
            out.append(
                Detection(
                    "identity_change",
                    r["mmsi"],
                    when(r["t"]),
                    when(r["t"]),
                    details={
                        "field": column,
                        "from": r["prev"],
                        "to": r["value"],
                        "shared_mmsi": r["earlier"] > 0,
                    },
                )
            )
    # An IMO number reported under a new MMSI: a re-flag (the MMSI's first three digits,
    # the MID, name the flag state) or identity fraud.
    sql = """
    WITH firsts AS (
        SELECT imo, mmsi, min(t) AS first_t FROM ident WHERE imo IS NOT NULL GROUP BY imo, mmsi
    ), ordered AS (
        SELECT *, lag(mmsi) OVER (PARTITION BY imo ORDER BY first_t, mmsi) AS prev_mmsi FROM firsts
    )
    SELECT imo, mmsi, first_t, prev_mmsi FROM ordered WHERE prev_mmsi IS NOT NULL
    """
    for r in engine.rows(sql):
        old_mid, new_mid = str(r["prev_mmsi"])[:3], str(r["mmsi"])[:3]
        old_flag, new_flag = flag_of(r["prev_mmsi"]), flag_of(r["mmsi"])
        out.append(
            Detection(
                "identity_change",
                r["mmsi"],
                when(r["first_t"]),
                when(r["first_t"]),
                other_mmsi=r["prev_mmsi"],
                details={
                    "field": "mmsi",
                    "imo": r["imo"],
                    "from": r["prev_mmsi"],
                    "to": r["mmsi"],
                    "flag_changed": old_mid != new_mid,
                    "from_mid": old_mid,
                    "to_mid": new_mid,
                    "from_flag": old_flag,
                    "to_flag": new_flag,
                },
            )
        )
    return out
