"""The detectors, as DuckDB SQL over the Parquet dataset.

Port calls, AIS gaps, loitering, encounters, impossible jumps (spoofing) and identity
changes. Each is one query over positions joined to the nearest watched area; thresholds
are in :class:`Thresholds`. Results are returned sorted, so two runs on the same input
give the same list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from watchkeeper.maritime.areas import Area
from watchkeeper.maritime.dataset import AisDataset
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


def _files(folder: Path) -> str | None:
    files = sorted(folder.glob("day=*/*.parquet"))
    return ", ".join(f"'{f}'" for f in files) if files else None


def _prepare(
    con: duckdb.DuckDBPyConnection, dataset: AisDataset, areas: list[Area], since: datetime | None
) -> bool:
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        f"""CREATE MACRO dist_m(a_lat, a_lon, b_lat, b_lon) AS 2 * {EARTH_M} * asin(sqrt(
            pow(sin(radians(b_lat - a_lat) / 2), 2)
            + cos(radians(a_lat)) * cos(radians(b_lat)) * pow(sin(radians(b_lon - a_lon) / 2), 2)))"""
    )
    con.execute(
        "CREATE TABLE areas (id VARCHAR, name VARCHAR, lat DOUBLE, lon DOUBLE, radius_km DOUBLE)"
    )
    if areas:
        con.executemany(
            "INSERT INTO areas VALUES (?, ?, ?, ?, ?)",
            [(a.id, a.name, a.lat, a.lon, a.radius_km) for a in areas],
        )
    files = _files(dataset.positions_dir)
    if files is None:
        return False
    where = "WHERE ts >= $since" if since else ""
    con.execute(
        f"""CREATE TABLE raw AS SELECT mmsi, ts, lat, lon, sog FROM read_parquet([{files}]) {where}""",
        {"since": since} if since else {},
    )
    # Nearest area per position, and a speed for every position: the reported SOG, or
    # the speed implied by the neighbouring positions where the feed has none.
    con.execute(
        """CREATE TABLE p AS
        WITH near AS (
            SELECT r.mmsi, r.ts, r.lat, r.lon, r.sog,
                   arg_min(a.id, dist_m(r.lat, r.lon, a.lat, a.lon)) AS area_id,
                   min(dist_m(r.lat, r.lon, a.lat, a.lon)) / 1000 AS area_km,
                   arg_min(a.radius_km, dist_m(r.lat, r.lon, a.lat, a.lon)) AS radius_km
            FROM raw r LEFT JOIN areas a ON TRUE
            GROUP BY r.mmsi, r.ts, r.lat, r.lon, r.sog
        ), lagged AS (
            SELECT *,
                lag(ts) OVER w AS prev_ts, lag(lat) OVER w AS prev_lat, lag(lon) OVER w AS prev_lon,
                lead(ts) OVER w AS next_ts, lead(lat) OVER w AS next_lat, lead(lon) OVER w AS next_lon
            FROM near WINDOW w AS (PARTITION BY mmsi ORDER BY ts)
        )
        SELECT *,
            dist_m(prev_lat, prev_lon, lat, lon) AS step_m,
            epoch(ts - prev_ts) AS step_s,
            coalesce(sog,
                CASE WHEN epoch(ts - prev_ts) > 0
                     THEN dist_m(prev_lat, prev_lon, lat, lon) / epoch(ts - prev_ts) * 3600 / 1852 END,
                CASE WHEN epoch(next_ts - ts) > 0
                     THEN dist_m(lat, lon, next_lat, next_lon) / epoch(next_ts - ts) * 3600 / 1852 END
            ) AS speed
        FROM lagged"""
    )
    return True


def detect(
    dataset: AisDataset,
    areas: list[Area],
    thresholds: Thresholds | None = None,
    since: datetime | None = None,
    kinds: tuple[str, ...] = KINDS,
) -> list[Detection]:
    t = thresholds or Thresholds()
    con = duckdb.connect()
    found: list[Detection] = []
    if _prepare(con, dataset, areas, since):
        runners = {
            "port_call": _port_calls,
            "gap": _gaps,
            "loitering": _loitering,
            "encounter": _encounters,
            "jump": _jumps,
        }
        for kind, run in runners.items():
            if kind in kinds:
                found.extend(run(con, t))
    if "identity_change" in kinds:
        found.extend(_identity_changes(con, dataset, since))
    con.close()
    return sorted(found, key=lambda d: (d.start, d.kind, d.mmsi, d.other_mmsi or 0, d.area or ""))


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [c[0] for c in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _port_calls(con: duckdb.DuckDBPyConnection, t: Thresholds) -> list[Detection]:
    sql = """
    WITH s AS (
        SELECT *, coalesce(area_km <= radius_km + $margin, false) AS in_zone,
                  coalesce(area_km <= radius_km, false) AS in_core
        FROM p
    ), marks AS (
        SELECT *, CASE WHEN in_zone AND lag(in_zone) OVER w AND lag(area_id) OVER w = area_id
                            AND epoch(ts - lag(ts) OVER w) < $gap_s THEN 0 ELSE 1 END AS new_run
        FROM s WINDOW w AS (PARTITION BY mmsi ORDER BY ts)
    ), runs AS (
        SELECT *, sum(new_run) OVER (PARTITION BY mmsi ORDER BY ts) AS run FROM marks
    )
    SELECT mmsi, area_id, min(ts) AS start, max(ts) AS "end", avg(lat) AS lat, avg(lon) AS lon,
           min(speed) AS min_speed, count(*) AS positions
    FROM runs WHERE in_zone GROUP BY mmsi, area_id, run
    HAVING bool_or(in_core) AND min(speed) < $stop
    """
    out = []
    params = {"margin": t.port_exit_margin_km, "gap_s": t.gap_hours * 3600, "stop": t.stop_knots}
    for r in _rows(con, sql, params):
        out.append(
            Detection(
                "port_call",
                r["mmsi"],
                r["start"],
                r["end"],
                r["lat"],
                r["lon"],
                area=r["area_id"],
                details={"min_knots": round(r["min_speed"], 2), "positions": r["positions"]},
            )
        )
    return out


def _gaps(con: duckdb.DuckDBPyConnection, t: Thresholds) -> list[Detection]:
    sql = """
    SELECT p.mmsi, p.prev_ts AS start, p.ts AS "end", p.prev_lat, p.prev_lon, p.lat, p.lon, p.step_m, p.step_s,
           prev.area_id AS start_area, prev.area_km <= prev.radius_km + $margin AS start_near,
           p.area_id AS end_area, p.area_km <= p.radius_km + $margin AS end_near
    FROM p JOIN p AS prev ON prev.mmsi = p.mmsi AND prev.ts = p.prev_ts
    WHERE p.step_s >= $gap_s
    """
    out = []
    for r in _rows(con, sql, {"gap_s": t.gap_hours * 3600, "margin": t.port_exit_margin_km}):
        hours = r["step_s"] / 3600
        out.append(
            Detection(
                "gap",
                r["mmsi"],
                r["start"],
                r["end"],
                r["prev_lat"],
                r["prev_lon"],
                area=r["start_area"]
                if r["start_near"]
                else (r["end_area"] if r["end_near"] else None),
                details={
                    "hours": round(hours, 2),
                    "implied_knots": round(r["step_m"] / KNOT_M_PER_H / hours, 2),
                    "start_area": r["start_area"] if r["start_near"] else None,
                    "end_area": r["end_area"] if r["end_near"] else None,
                    "end_lat": r["lat"],
                    "end_lon": r["lon"],
                },
            )
        )
    return out


def _loitering(con: duckdb.DuckDBPyConnection, t: Thresholds) -> list[Detection]:
    sql = """
    WITH s AS (
        SELECT *, speed < $knots AND coalesce(area_km >= $away, true) AS slow FROM p
    ), marks AS (
        SELECT *, CASE WHEN slow AND lag(slow) OVER w AND epoch(ts - lag(ts) OVER w) < $gap_s THEN 0 ELSE 1 END AS new_run
        FROM s WINDOW w AS (PARTITION BY mmsi ORDER BY ts)
    ), runs AS (
        SELECT *, sum(new_run) OVER (PARTITION BY mmsi ORDER BY ts) AS run FROM marks
    )
    SELECT mmsi, min(ts) AS start, max(ts) AS "end", avg(lat) AS lat, avg(lon) AS lon,
           avg(speed) AS mean_speed, count(*) AS positions
    FROM runs WHERE slow GROUP BY mmsi, run
    HAVING epoch(max(ts) - min(ts)) >= $min_s
    """
    params = {
        "knots": t.loiter_knots,
        "away": t.away_from_port_km,
        "gap_s": t.gap_hours * 3600,
        "min_s": t.loiter_hours * 3600,
    }
    return [
        Detection(
            "loitering",
            r["mmsi"],
            r["start"],
            r["end"],
            r["lat"],
            r["lon"],
            details={
                "hours": round((r["end"] - r["start"]).total_seconds() / 3600, 2),
                "mean_knots": round(r["mean_speed"], 2),
                "positions": r["positions"],
            },
        )
        for r in _rows(con, sql, params)
    ]


def _encounters(con: duckdb.DuckDBPyConnection, t: Thresholds) -> list[Detection]:
    # Mean position per vessel per time bucket, on a grid of ~1 km cells; pairs are only
    # compared within the same bucket and neighbouring cells, never all against all.
    sql = """
    WITH b AS (
        SELECT mmsi, time_bucket(to_minutes($bucket), ts) AS bucket, avg(lat) AS lat, avg(lon) AS lon,
               avg(speed) AS speed, min(area_km) AS area_km
        FROM p GROUP BY ALL
    ), cells AS (
        SELECT *, floor(lat / 0.01)::BIGINT AS cy, floor(lon / 0.01)::BIGINT AS cx FROM b
        WHERE speed < $knots AND coalesce(area_km >= $away, true)
    ), near AS (
        SELECT a.mmsi AS m1, o.mmsi AS m2, a.bucket, dist_m(a.lat, a.lon, o.lat, o.lon) AS d,
               (a.speed + o.speed) / 2 AS speed, (a.lat + o.lat) / 2 AS lat, (a.lon + o.lon) / 2 AS lon
        FROM cells a JOIN cells o
          ON a.bucket = o.bucket AND a.mmsi < o.mmsi AND o.cy BETWEEN a.cy - 1 AND a.cy + 1
             AND o.cx BETWEEN a.cx - 1 AND a.cx + 1
        WHERE dist_m(a.lat, a.lon, o.lat, o.lon) <= $meters
    ), marks AS (
        SELECT *, CASE WHEN epoch(bucket - lag(bucket) OVER w) <= $bucket * 60 * 2 THEN 0 ELSE 1 END AS new_run
        FROM near WINDOW w AS (PARTITION BY m1, m2 ORDER BY bucket)
    ), runs AS (
        SELECT *, sum(new_run) OVER (PARTITION BY m1, m2 ORDER BY bucket) AS run FROM marks
    )
    SELECT m1, m2, min(bucket) AS start, max(bucket) + to_minutes($bucket) AS "end", min(d) AS min_d,
           median(speed) AS median_speed, avg(lat) AS lat, avg(lon) AS lon
    FROM runs GROUP BY m1, m2, run
    HAVING epoch(max(bucket) + to_minutes($bucket) - min(bucket)) >= $min_s
    """
    params = {
        "bucket": t.encounter_bucket_minutes,
        "knots": t.encounter_knots,
        "away": t.away_from_port_km,
        "meters": t.encounter_meters,
        "min_s": t.encounter_hours * 3600,
    }
    return [
        Detection(
            "encounter",
            r["m1"],
            r["start"],
            r["end"],
            r["lat"],
            r["lon"],
            other_mmsi=r["m2"],
            details={
                "min_distance_m": round(r["min_d"], 1),
                "median_knots": round(r["median_speed"], 2),
            },
        )
        for r in _rows(con, sql, params)
    ]


def _jumps(con: duckdb.DuckDBPyConnection, t: Thresholds) -> list[Detection]:
    sql = """
    SELECT mmsi, prev_ts AS start, ts AS "end", lat, lon, prev_lat, prev_lon, step_m, step_s FROM p
    WHERE step_m >= $min_m AND (step_s = 0 OR step_m / step_s * 3600 / 1852 > $knots)
    """
    return [
        Detection(
            "jump",
            r["mmsi"],
            r["start"],
            r["end"],
            r["lat"],
            r["lon"],
            details={
                "km": round(r["step_m"] / 1000, 1),
                "from_lat": r["prev_lat"],
                "from_lon": r["prev_lon"],
                "implied_knots": None
                if not r["step_s"]
                else round(r["step_m"] / r["step_s"] * 3600 / 1852, 1),
            },
        )
        for r in _rows(con, sql, {"min_m": t.jump_min_km * 1000, "knots": t.jump_knots})
    ]


def _identity_changes(
    con: duckdb.DuckDBPyConnection, dataset: AisDataset, since: datetime | None
) -> list[Detection]:
    files = _files(dataset.identities_dir)
    if files is None:
        return []
    where = "AND ts >= $since" if since else ""
    params = {"since": since} if since else {}
    out = []
    for column in ("name", "imo", "call_sign"):
        sql = f"""
        WITH v AS (
            SELECT mmsi, ts, {column} AS value, lag({column}) OVER (PARTITION BY mmsi ORDER BY ts) AS prev
            FROM read_parquet([{files}]) WHERE {column} IS NOT NULL {where}
        )
        SELECT mmsi, ts, prev, value,
               value IN (SELECT v2.value FROM v AS v2 WHERE v2.mmsi = v.mmsi AND v2.ts < v.ts AND v2.value != v.prev) AS returns
        FROM v WHERE prev IS NOT NULL AND prev != value
        """
        for r in _rows(con, sql, params):
            out.append(
                Detection(
                    "identity_change",
                    r["mmsi"],
                    r["ts"],
                    r["ts"],
                    details={
                        "field": column,
                        "from": r["prev"],
                        "to": r["value"],
                        "shared_mmsi": bool(r["returns"]),
                    },
                )
            )
    # An IMO number reported under a new MMSI: a re-flag (the MMSI's first three digits,
    # the MID, name the flag state) or identity fraud.
    sql = f"""
    WITH firsts AS (
        SELECT imo, mmsi, min(ts) AS first_ts FROM read_parquet([{files}])
        WHERE imo IS NOT NULL {where} GROUP BY imo, mmsi
    ), ordered AS (
        SELECT *, lag(mmsi) OVER (PARTITION BY imo ORDER BY first_ts) AS prev_mmsi FROM firsts
    )
    SELECT * FROM ordered WHERE prev_mmsi IS NOT NULL
    """
    for r in _rows(con, sql, params):
        old_mid, new_mid = str(r["prev_mmsi"])[:3], str(r["mmsi"])[:3]
        out.append(
            Detection(
                "identity_change",
                r["mmsi"],
                r["first_ts"],
                r["first_ts"],
                other_mmsi=r["prev_mmsi"],
                details={
                    "field": "mmsi",
                    "imo": r["imo"],
                    "from": r["prev_mmsi"],
                    "to": r["mmsi"],
                    "flag_changed": old_mid != new_mid,
                    "from_mid": old_mid,
                    "to_mid": new_mid,
                },
            )
        )
    return out
