"""The detectors, written once as portable SQL and run by an engine (DuckDB or Spark).

Port calls (at watched areas, ports and anchorages), AIS gaps, loitering and encounters
(away from every place where ships are expected to stop), and the raw evidence of
spoofing and shared MMSIs (impossible jumps) and of identity changes, which episodes.py
turns into one event per episode. Each is one query over positions joined to the nearest
watched area and place. The SQL
uses only what DuckDB and Spark SQL share: times as epoch seconds (``t``), ``min_by``,
window functions and joins; thresholds are rendered as numeric literals. The engines
(``engines.py``) only load the data and run the text, so both give the same events;
every window is ordered on a unique key (time, then position) so ties break the same
way in both.
Results are sorted, so two runs on the same input give the same list.
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from watchkeeper.maritime.areas import Area
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.engines import Engine, get_engine
from watchkeeper.maritime.episodes import (
    identity_episodes,
    position_episodes,
    spans_by_mmsi,
    split_track_arrays,
)
from watchkeeper.maritime.events import Detection, when
from watchkeeper.maritime.places import LOOKUP_DEGREES, Place, place_cells
from watchkeeper.maritime.thresholds import Thresholds

KINDS = (
    "port_call",
    "gap",
    "loitering",
    "encounter",
    "spoofing",
    "shared_mmsi",
    "identity_change",
)
ANOMALIES = KINDS[1:]
"""Every kind but port calls, which are what ships are expected to do."""
EARTH_M = 6371008.8
KNOT_M_PER_H = 1852.0
TRACK_BATCH = 500
"""Vessels whose tracks are fetched and split at a time (spoofing, shared MMSIs)."""
__all__ = ["ANOMALIES", "KINDS", "Detection", "detect", "prepare_sql"]


def dist_m(a_lat: str, a_lon: str, b_lat: str, b_lon: str) -> str:
    """Great-circle distance in metres (haversine), as an SQL expression."""
    return (
        f"(2 * {EARTH_M} * asin(sqrt(power(sin(radians({b_lat} - {a_lat}) / 2), 2)"
        f" + cos(radians({a_lat})) * cos(radians({b_lat})) * power(sin(radians({b_lon} - {a_lon}) / 2), 2))))"
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def inside_sql(ring: tuple[tuple[float, float], ...], lat: str = "lat", lon: str = "lon") -> str:
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
            f"CASE WHEN (({y1!r} > {lat}) <> ({y2!r} > {lat})) AND {lon} < {slope!r} * ({lat} - {y1!r}) + {x1!r} THEN 1 ELSE 0 END"
        )
    crossings = " + ".join(terms) or "0"
    return (
        f"({lat} BETWEEN {min(lats)!r} AND {max(lats)!r} AND {lon} BETWEEN {min(lons)!r} AND {max(lons)!r}"
        f" AND ({crossings}) % 2 = 1)"
    )


def _area_distance(area: Area, lat: str = "lat", lon: str = "lon") -> str:
    """Metres from (lat, lon) to the area: to its centre, or 0 inside a polygon."""
    centre = dist_m(lat, lon, str(area.lat), str(area.lon))
    if area.polygon is None:
        return centre
    return f"(CASE WHEN {inside_sql(area.polygon, lat, lon)} THEN 0.0 ELSE {centre} END)"


def nearest_area_sql(areas: list[Area], lat: str = "lat", lon: str = "lon") -> str:
    """Metres from (lat, lon) to the nearest watched area, as an SQL expression."""
    dists = [_area_distance(a, lat, lon) for a in areas]
    return f"least({', '.join(dists)})" if len(dists) > 1 else dists[0]


def reach_km(area: Area, t: Thresholds) -> float:
    """The distance within which a position's nearest-area columns can change what prepare
    decides (a zone, the core, not clear of the area)."""
    return max(0.0, area.radius_km + t.port_exit_margin_km, area.radius_km, t.away_from_port_km)


def reach_box_sql(area: Area, km: float) -> str | None:
    """A test on (lat, lon), in degrees, true for every position within ``km`` of the
    area's centre (or inside its polygon): a bounding box, a little wider than needed.
    None where no box is safe (near a pole, across the antimeridian).

    Why it holds: the haversine distance d = 2R asin(sqrt(h)) is at least R * |dlat| (h is
    at least sin(dlat / 2)^2), and at least 2R * c * |sin(dlon / 2)| where c is the
    smaller cosine of the two latitudes (asin x >= x)."""
    earth_km = EARTH_M / 1000
    dlat = math.degrees(km / earth_km) * 1.01 + 1e-6
    south, north = area.lat - dlat, area.lat + dlat
    if max(abs(south), abs(north)) >= 85:
        return None
    ratio = km / (2 * earth_km * math.cos(math.radians(max(abs(south), abs(north)))))
    if ratio >= 0.5:
        return None
    dlon = math.degrees(2 * math.asin(ratio)) * 1.01 + 1e-6
    west, east = area.lon - dlon, area.lon + dlon
    if west <= -180 or east >= 180:
        return None
    if area.polygon is not None:
        south = min(south, *(p[1] for p in area.polygon))
        north = max(north, *(p[1] for p in area.polygon))
        west = min(west, *(p[0] for p in area.polygon))
        east = max(east, *(p[0] for p in area.polygon))
    return f"(lat BETWEEN {south!r} AND {north!r} AND lon BETWEEN {west!r} AND {east!r})"


def prepare_sql(areas: list[Area], t: Thresholds | None = None) -> str:
    """Positions with their nearest watched area, nearest port and anchorage, the zone
    they are in, whether they are clear of every place, and a speed for every position.

    The nearest watched area is a projection (``least`` and ``CASE`` over the few areas),
    computed only for positions inside a bounding box around some area's reach
    (:func:`reach_box_sql`); elsewhere ``area_id``, ``area_km`` and ``radius_km`` are NULL,
    which decides the zone, the core and the clearance as the far distance would (the
    gaps step computes the exact distance for its few rows). Ports and anchorages come
    from one equi-join with the look-up grid ``place_cells`` (places.py). Both keep this
    step linear and streaming.

    Each row also says whether the previous position of the vessel was slow and clear
    (``prev_slow``, from the previous position's own speed, computed here from the same
    window): loitering needs no window of its own over every position.
    """
    t = t or Thresholds()
    margin = t.port_exit_margin_km
    if areas:
        boxes = [reach_box_sql(a, reach_km(a, t)) for a in areas]
        in_reach = "true" if None in boxes else "(" + " OR ".join(b for b in boxes if b) + ")"
        # Each area's distance, only for positions in reach of some area (NULL elsewhere).
        dists = [f"wd{i}" for i in range(len(areas))]
        watched = ", ".join(
            f"CASE WHEN near_watched THEN {_area_distance(a)} END AS {d}"
            for a, d in zip(areas, dists, strict=True)
        )
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
        source = f"""boxed AS (
    SELECT mmsi, t, lat, lon, sog, reports, {in_reach} AS near_watched FROM raw
), watched AS (
    SELECT mmsi, t, lat, lon, sog, reports, {watched} FROM boxed
)"""
    else:
        area_cols = "CAST(NULL AS VARCHAR) AS area_id, CAST(NULL AS DOUBLE) AS area_km, CAST(NULL AS DOUBLE) AS radius_km"
        source = "watched AS (SELECT mmsi, t, lat, lon, sog, reports FROM raw)"
    cell = f"{LOOKUP_DEGREES!r}"
    # A position's speed from its row's columns: its own SOG, else the distance from the
    # previous position over the time, else to the next. ``prev_speed`` is the same for
    # the previous position (whose next position is this one), the same float operations.
    speed = f"""coalesce(sog,
        CASE WHEN t - prev_t > 0 THEN {dist_m("prev_lat", "prev_lon", "lat", "lon")} / (t - prev_t) * 3600 / 1852 END,
        CASE WHEN next_t - t > 0 THEN {dist_m("lat", "lon", "next_lat", "next_lon")} / (next_t - t) * 3600 / 1852 END
    )"""
    prev_speed = f"""coalesce(prev_sog,
        CASE WHEN prev_t - prev2_t > 0 THEN {dist_m("prev2_lat", "prev2_lon", "prev_lat", "prev_lon")} / (prev_t - prev2_t) * 3600 / 1852 END,
        CASE WHEN t - prev_t > 0 THEN {dist_m("prev_lat", "prev_lon", "lat", "lon")} / (t - prev_t) * 3600 / 1852 END
    )"""
    return f"""
WITH {source}, near AS (
    SELECT r.mmsi, r.t, r.lat, r.lon, r.sog, r.reports, {area_cols},
        c.port_id, {dist_m("r.lat", "r.lon", "c.port_lat", "c.port_lon")} / 1000 AS port_km,
        c.port_radius, c.port_clear,
        c.anch_id, {dist_m("r.lat", "r.lon", "c.anch_lat", "c.anch_lon")} / 1000 AS anch_km,
        c.anch_radius, c.anch_clear
    FROM watched r LEFT JOIN place_cells c
      ON c.cy = CAST(floor(r.lat / {cell}) AS BIGINT) AND c.cx = CAST(floor(r.lon / {cell}) AS BIGINT)
), zoned AS (
    SELECT mmsi, t, lat, lon, sog, reports, area_id, area_km, radius_km,
        CASE WHEN area_km <= radius_km + {margin} THEN area_id
             WHEN port_km <= port_radius + {margin} THEN port_id
             WHEN anch_km <= anch_radius + {margin} THEN anch_id END AS zone_id,
        coalesce(area_km <= radius_km, false) OR coalesce(port_km <= port_radius, false)
            OR coalesce(anch_km <= anch_radius, false) AS in_core,
        coalesce(area_km >= {t.away_from_port_km}, true) AND coalesce(port_km >= port_clear, true)
            AND coalesce(anch_km >= anch_clear, true) AS clear
    FROM near
), lagged AS (
    SELECT *,
        lag(t) OVER w AS prev_t, lag(lat) OVER w AS prev_lat, lag(lon) OVER w AS prev_lon,
        lag(zone_id) OVER w AS prev_zone_id,
        lead(t) OVER w AS next_t, lead(lat) OVER w AS next_lat, lead(lon) OVER w AS next_lon,
        lag(sog) OVER w AS prev_sog, lag(clear) OVER w AS prev_clear,
        lag(t, 2) OVER w AS prev2_t, lag(lat, 2) OVER w AS prev2_lat, lag(lon, 2) OVER w AS prev2_lon
    FROM zoned WINDOW w AS (PARTITION BY mmsi ORDER BY t, lat, lon)
)
SELECT mmsi, t, lat, lon, sog, reports, area_id, area_km, radius_km, zone_id, in_core, clear,
    prev_t, prev_lat, prev_lon, prev_zone_id, next_t, next_lat, next_lon,
    {dist_m("prev_lat", "prev_lon", "lat", "lon")} AS step_m,
    t - prev_t AS step_s,
    {speed} AS speed,
    {prev_speed} < {t.loiter_knots} AND prev_clear AS prev_slow
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
    places: list[Place] | None = None,
) -> list[Detection]:
    """Every detector of ``kinds`` over the dataset, at the watched ``areas`` and the
    known ``places`` (ports and anchorages: where ships are expected to stop).
    ``timings``, when given, receives the seconds each step took, summed over the passes
    (for the benchmark)."""
    t = thresholds or Thresholds()
    clock = timings if timings is not None else {}

    def timed(step: str, started: float) -> None:
        clock[step] = clock.get(step, 0.0) + time.perf_counter() - started

    runner = get_engine(engine) if isinstance(engine, str) else engine
    found: list[Detection] = []
    splitter = TrackSplitter()
    per_vessel: dict[
        str, Callable[[Engine, Thresholds, dict[str, tuple[str, str, bool]]], list[Detection]]
    ] = {
        "port_call": _port_calls,
        "gap": functools.partial(_gaps, areas=areas),
        "loitering": _loitering,
    }
    names = {a.id: (a.name, "watched area", True) for a in areas}
    names.update({p.id: (p.name, p.kind, False) for p in places or []})
    try:
        # Identity spans first: the shared-MMSI episodes of each pass name the identities.
        spans: list[dict[str, Any]] = []
        if {"identity_change", "shared_mmsi"} & set(kinds) and runner.load_identities(
            dataset, since
        ):
            spans = runner.rows(
                "SELECT mmsi, t, last_t, reports, name, imo, call_sign FROM ident"
                " ORDER BY mmsi, t, last_t, name, imo, call_sign"
            )
        by_mmsi = spans_by_mmsi(spans)
        splitter.start(by_mmsi, t)
        runner.load_areas(areas)
        positions = runner.load_positions(dataset, since)
        if positions:
            box = runner.rows(
                "SELECT min(lat) AS s, max(lat) AS n, min(lon) AS w, max(lon) AS e FROM positions"
            )[0]
            bbox = (box["s"], box["n"], box["w"], box["e"])
            runner.load_table("place_cells", place_cells(places or [], bbox))
            # Every detector but encounters looks at one vessel at a time, so the data is
            # taken in groups of vessels that fit in memory; encounters take each group's
            # slow, clear time buckets and pair them up once all are in.
            per_pass = runner.rows_per_pass
            runner.drop("slow_cells")
            groups = max(1, math.ceil(positions / per_pass)) if per_pass else 1
            for group in range(groups):
                started = time.perf_counter()
                runner.select_vessels(groups, group)
                runner.table("p", prepare_sql(areas, t))
                timed("prepare", started)
                if {"spoofing", "shared_mmsi"} & set(kinds):
                    # The tracks of the vessels that jumped (most vessels of a large feed)
                    # are fetched once per pass and split in a background thread a few
                    # hundred vessels at a time, while this thread runs the other steps
                    # in DuckDB (which releases the GIL): only their events are kept.
                    started = time.perf_counter()
                    jumped = sorted({int(j["mmsi"]) for j in _jumps(runner, t)})
                    tracks = _jumped_tracks(runner, jumped)
                    timed("spoofing", started)
                    for batch in track_batches(tracks, TRACK_BATCH):
                        splitter.submit(batch)
                for kind, step in per_vessel.items():
                    if kind in kinds:
                        started = time.perf_counter()
                        found.extend(step(runner, t, names))
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
        started = time.perf_counter()
        events, shared, busy = splitter.results()
        found.extend(events)
        clock["episodes, background"] = clock.get("episodes, background", 0.0) + busy
        if "identity_change" in kinds:
            found.extend(identity_episodes(spans, by_mmsi, shared))
        _outages(found, t)
        timed("episodes", started)
    finally:
        splitter.close()
        runner.close()
    return sorted(
        (d for d in found if d.kind in kinds),
        key=lambda d: (d.start, d.kind, d.mmsi, d.other_mmsi or 0, d.area or ""),
    )


def _outages(found: list[Detection], t: Thresholds) -> None:
    """Each gap learns how many other vessels near it fell silent within the hour: when
    a whole area goes quiet at once, the receivers did, not the ships."""
    gaps = [d for d in found if d.kind == "gap" and d.lat is not None and d.lon is not None]
    cells: dict[tuple[int, int, int], list[Detection]] = {}
    for gap in gaps:
        key = (
            int(gap.start.timestamp() // 3600),
            math.floor(gap.lat or 0),
            math.floor(gap.lon or 0),
        )
        cells.setdefault(key, []).append(gap)
    for gap in gaps:
        hour, cy, cx = (
            int(gap.start.timestamp() // 3600),
            math.floor(gap.lat or 0),
            math.floor(gap.lon or 0),
        )
        others = {
            o.mmsi
            for dh in (-1, 0, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
            for o in cells.get((hour + dh, cy + dy, cx + dx), [])
            if o.mmsi != gap.mmsi
            and abs((o.start - gap.start).total_seconds()) <= 3600
            and _near_km({"lat": gap.lat, "lon": gap.lon}, {"lat": o.lat, "lon": o.lon})
            <= t.outage_km
        }  # fmt: skip
        gap.details["silent_nearby"] = len(others)


def _place(names: dict[str, tuple[str, str, bool]], zone: str | None) -> dict[str, Any]:
    if not zone or zone not in names:
        return {}
    name, kind, watched = names[zone]
    return {"place": name, "place_kind": kind, "watched": watched}


def _port_calls(
    engine: Engine, t: Thresholds, names: dict[str, tuple[str, str, bool]]
) -> list[Detection]:
    # A run of positions in one zone (watched area, port or anchorage) starts where the
    # previous position (by the same ordering as prepare's lag columns) was not in that
    # zone, or came a gap ago: decided row by row from prepare's prev_* columns, so only
    # the few positions in a zone reach a window function.
    sql = f"""
    WITH s AS (
        SELECT mmsi, t, lat, lon, speed, reports, zone_id, in_core,
               CASE WHEN prev_zone_id = zone_id AND t - prev_t < {t.gap_hours * 3600}
                    THEN 0 ELSE 1 END AS new_run
        FROM p WHERE zone_id IS NOT NULL
    ), runs AS (
        SELECT *, sum(new_run) OVER (PARTITION BY mmsi ORDER BY t, lat, lon) AS run FROM s
    )
    SELECT mmsi, zone_id, min(t) AS start_t, max(t) AS end_t, avg(lat) AS lat, avg(lon) AS lon,
           min(speed) AS min_speed, count(*) AS positions, sum(reports) AS messages
    FROM runs GROUP BY mmsi, zone_id, run
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
            area=r["zone_id"],
            details={"min_knots": round(r["min_speed"], 2), **_place(names, r["zone_id"])},
            evidence={"positions": int(r["positions"]), "messages": int(r["messages"])},
        )
        for r in engine.rows(sql)
    ]


def _gaps(
    engine: Engine, t: Thresholds, names: dict[str, tuple[str, str, bool]], areas: list[Area]
) -> list[Detection]:
    # How regularly the vessel reported in the gap_hours before it went silent: a
    # vessel heard once in a while was out of coverage, not necessarily switched off.
    window = t.gap_hours * 3600
    # The watched areas' distance at both ends, for these few rows (prepare computes it
    # only near the areas).
    if areas:
        start_km = f"{nearest_area_sql(areas, 'prev_lat', 'prev_lon')} / 1000"
        end_km = f"{nearest_area_sql(areas)} / 1000"
    else:
        start_km = end_km = "CAST(NULL AS DOUBLE)"
    sql = f"""
    WITH g AS (
        SELECT mmsi, prev_t, t, prev_lat, prev_lon, lat, lon, step_m, step_s,
               prev_zone_id AS start_area, zone_id AS end_area,
               {start_km} AS prev_area_km, {end_km} AS area_km
        FROM p WHERE step_s >= {window}
    ), before AS (
        SELECT g.mmsi, g.prev_t, count(q.t) AS reported_before
        FROM g JOIN p q ON q.mmsi = g.mmsi AND q.t >= g.prev_t - {window} AND q.t <= g.prev_t
        GROUP BY g.mmsi, g.prev_t
    )
    SELECT g.*, b.reported_before FROM g JOIN before b ON b.mmsi = g.mmsi AND b.prev_t = g.prev_t
    """
    out = []
    for r in engine.rows(sql):
        hours = r["step_s"] / 3600
        watched = [k for k in (r["prev_area_km"], r["area_km"]) if k is not None]
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
                    "start_place": _place(names, r["start_area"]).get("place"),
                    "end_place": _place(names, r["end_area"]).get("place"),
                    "watched_km": round(min(watched), 1) if watched else None,
                    "reported_before": int(r["reported_before"]),
                    "end_lat": round(r["lat"], 5),
                    "end_lon": round(r["lon"], 5),
                },
                evidence={"positions": 2, "messages": 2},
            )
        )
    return out


def _loitering(
    engine: Engine, t: Thresholds, names: dict[str, tuple[str, str, bool]]
) -> list[Detection]:
    # Runs of slow positions clear of every place: a slow position starts a new run unless
    # the one before it (prepare's prev_slow) was slow too and came less than a gap ago.
    # Only slow positions are windowed: a fast one between two slow ones makes the second
    # start a run, so numbering the runs over slow positions alone groups them the same.
    sql = f"""
    WITH marks AS (
        SELECT mmsi, t, lat, lon, speed, reports,
               CASE WHEN prev_slow AND t - prev_t < {t.gap_hours * 3600} THEN 0 ELSE 1 END AS new_run
        FROM p WHERE speed < {t.loiter_knots} AND clear
    ), runs AS (
        SELECT *, sum(new_run) OVER (PARTITION BY mmsi ORDER BY t, lat, lon) AS run FROM marks
    )
    SELECT mmsi, min(t) AS start_t, max(t) AS end_t, avg(lat) AS lat, avg(lon) AS lon,
           sum(speed) AS sum_speed, count(*) AS positions, sum(reports) AS messages
    FROM runs GROUP BY mmsi, run
    HAVING max(t) - min(t) >= {t.loiter_hours * 3600} / 4
    """
    # One stay broken by a position or two that look faster (noise on a slow ship) is
    # one episode: runs of one vessel at one spot less than loiter_merge_minutes apart
    # are joined before the duration test.
    merged: list[dict[str, Any]] = []
    for r in sorted(engine.rows(sql), key=lambda r: (r["mmsi"], r["start_t"])):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last["mmsi"] == r["mmsi"]
            and r["start_t"] - last["end_t"] <= t.loiter_merge_minutes * 60
            and _near_km(last, r) <= 2.0
        ):
            n = last["positions"] + r["positions"]
            last["lat"] = (last["lat"] * last["positions"] + r["lat"] * r["positions"]) / n
            last["lon"] = (last["lon"] * last["positions"] + r["lon"] * r["positions"]) / n
            last["end_t"], last["positions"] = r["end_t"], n
            last["sum_speed"] += r["sum_speed"]
            last["messages"] += r["messages"]
        else:
            merged.append(dict(r))
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
                "mean_knots": round(r["sum_speed"] / r["positions"], 2),
            },
            evidence={"positions": int(r["positions"]), "messages": int(r["messages"])},
        )
        for r in merged
        if r["end_t"] - r["start_t"] >= t.loiter_hours * 3600
    ]


def _near_km(a: dict[str, Any], b: dict[str, Any]) -> float:
    dlat = math.radians(b["lat"] - a["lat"])
    dlon = math.radians(b["lon"] - a["lon"]) * math.cos(math.radians(a["lat"]))
    return EARTH_M / 1000 * math.hypot(dlat, dlon)


def _slow_cells_sql(t: Thresholds) -> str:
    """Mean position per vessel per time bucket, kept when slow and clear of every place,
    on a grid of ~1 km cells (per vessel: computed pass by pass)."""
    size = t.encounter_bucket_minutes * 60
    return f"""
    WITH b AS (
        SELECT mmsi, floor(t / {size}) * {size} AS bucket, avg(lat) AS lat, avg(lon) AS lon,
               avg(speed) AS speed, bool_and(clear) AS clear, count(*) AS n
        FROM p GROUP BY mmsi, floor(t / {size}) * {size}
    )
    SELECT mmsi, bucket, lat, lon, speed, n,
           CAST(floor(lat / 0.01) AS BIGINT) AS cy, CAST(floor(lon / 0.01) AS BIGINT) AS cx FROM b
    WHERE speed < {t.encounter_knots} AND clear
    """


OFFSETS = " UNION ALL ".join(
    f"SELECT {dy} AS dy, {dx} AS dx" for dy in (-1, 0, 1) for dx in (-1, 0, 1)
)
"""The 3 x 3 block of neighbouring cells, as rows: pairs are found by an equi-join on
(bucket, cell + offset), so the cost grows with the pairs, not with the square of the
slow vessels in a bucket (a range join on cy, cx within a bucket does)."""


def _encounters(engine: Engine, t: Thresholds) -> list[Detection]:
    # Pairs are only compared within the same time bucket and neighbouring cells, never
    # all against all.
    size = t.encounter_bucket_minutes * 60
    sql = f"""
    WITH cells AS (
        SELECT * FROM slow_cells
    ), offsets AS (
        {OFFSETS}
    ), near AS (
        SELECT a.mmsi AS m1, o.mmsi AS m2, a.bucket, {dist_m("a.lat", "a.lon", "o.lat", "o.lon")} AS d,
               (a.speed + o.speed) / 2 AS speed, (a.lat + o.lat) / 2 AS lat, (a.lon + o.lon) / 2 AS lon,
               a.n + o.n AS n
        FROM cells a CROSS JOIN offsets f JOIN cells o
          ON o.bucket = a.bucket AND o.cy = a.cy + f.dy AND o.cx = a.cx + f.dx AND a.mmsi < o.mmsi
        WHERE {dist_m("a.lat", "a.lon", "o.lat", "o.lon")} <= {t.encounter_meters}
    ), marks AS (
        SELECT *, CASE WHEN bucket - lag(bucket) OVER w <= {size * 2} THEN 0 ELSE 1 END AS new_run
        FROM near WINDOW w AS (PARTITION BY m1, m2 ORDER BY bucket)
    ), runs AS (
        SELECT *, sum(new_run) OVER (PARTITION BY m1, m2 ORDER BY bucket) AS run FROM marks
    )
    SELECT m1, m2, min(bucket) AS start_t, max(bucket) + {size} AS end_t, min(d) AS min_d,
           median(speed) AS median_speed, avg(lat) AS lat, avg(lon) AS lon,
           count(*) AS buckets, sum(n) AS positions
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
                "hours": round((r["end_t"] - r["start_t"]) / 3600, 2),
                "min_distance_m": round(r["min_d"]),
                "median_knots": round(r["median_speed"], 2),
            },
            evidence={"positions": int(r["positions"]), "time_buckets": int(r["buckets"])},
        )
        for r in engine.rows(sql)
    ]


def _jumps(engine: Engine, t: Thresholds) -> list[dict[str, Any]]:
    """Consecutive positions too far apart for the time between them: the raw evidence
    that episodes.py turns into spoofing and shared-MMSI episodes."""
    sql = f"""
    SELECT mmsi, prev_t, t, lat, lon, prev_lat, prev_lon, step_m, step_s FROM p
    WHERE step_m >= {t.jump_min_km * 1000} AND (step_s = 0 OR step_m / step_s * 3600 / 1852 > {t.jump_knots})
    """
    return engine.rows(sql)


TrackBatch = tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]]
"""The positions of a few vessels, ordered by (mmsi, t, lat, lon): mmsi, t, lat, lon."""


def _jumped_tracks(engine: Engine, mmsis: list[int]) -> TrackBatch:
    """The positions of the vessels that jumped, in order, fetched column by column in
    one query (one sort of the pass's jumping vessels, not one scan of it per batch)."""
    engine.load_table("jumped", pa.table({"mmsi": pa.array(mmsis, pa.int64())}))
    cols = engine.arrays(
        "SELECT mmsi, t, lat, lon FROM p WHERE mmsi IN (SELECT mmsi FROM jumped)"
        " ORDER BY mmsi, t, lat, lon"
    )
    engine.drop("jumped")
    return cols["mmsi"], cols["t"], cols["lat"], cols["lon"]


def track_batches(tracks: TrackBatch, vessels: int) -> Iterator[TrackBatch]:
    """``tracks`` cut into pieces of at most ``vessels`` whole vessels each."""
    mmsi = tracks[0]
    if not len(mmsi):
        return
    starts = np.flatnonzero(mmsi[1:] != mmsi[:-1]) + 1
    cuts = [0, *starts[vessels - 1 :: vessels].tolist(), len(mmsi)]
    for begin, end in itertools.pairwise(cuts):
        yield tracks[0][begin:end], tracks[1][begin:end], tracks[2][begin:end], tracks[3][begin:end]


def tracks_of(batch: TrackBatch) -> dict[int, list[tuple[float, float, float]]]:
    """Each vessel's (t, lat, lon) positions, in order."""
    vessels, times, lats, lons = (column.tolist() for column in batch)
    out: dict[int, list[tuple[float, float, float]]] = {}
    starts = [0, *(np.flatnonzero(batch[0][1:] != batch[0][:-1]) + 1).tolist(), len(vessels)]
    for start, end in itertools.pairwise(starts):
        if end > start:
            out[int(vessels[start])] = list(
                zip(map(float, times[start:end]), lats[start:end], lons[start:end], strict=True)
            )
    return out


Episodes = tuple[list[Detection], dict[int, list[tuple[float, float]]], float]
"""A batch's spoofing and shared-MMSI events, the periods each MMSI was shared, and the
seconds it took."""


class TrackSplitter:
    """Spoofing and shared-MMSI episodes of batches of tracks, worked out in one
    background thread (pure Python: it holds the GIL, which DuckDB's queries in the
    calling thread release, so both run at once). At most ``MAX_PENDING`` batches wait,
    so memory stays bounded when the thread falls behind."""

    MAX_PENDING = 24

    def __init__(self) -> None:
        self.pool: ThreadPoolExecutor | None = None
        self.pending: list[Future[Episodes]] = []
        self.done: list[Episodes] = []
        self.by_mmsi: dict[int, list[dict[str, Any]]] = {}
        self.t = Thresholds()

    def start(self, by_mmsi: dict[int, list[dict[str, Any]]], t: Thresholds) -> None:
        self.by_mmsi, self.t = by_mmsi, t
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="watchkeeper-tracks")

    def _split(self, batch: TrackBatch) -> Episodes:
        started = time.perf_counter()
        tracks = tracks_of(batch)
        mmsi, when, lat, lon = batch
        starts = [0, *(np.flatnonzero(mmsi[1:] != mmsi[:-1]) + 1).tolist(), len(mmsi)]
        labels = {
            int(mmsi[a]): split_track_arrays(when[a:b], lat[a:b], lon[a:b], self.t)
            for a, b in itertools.pairwise(starts)
            if b > a
        }
        events, periods = position_episodes(tracks, self.by_mmsi, self.t, labels)
        return events, periods, time.perf_counter() - started

    def submit(self, batch: TrackBatch) -> None:
        assert self.pool is not None, "start() first"
        while len(self.pending) >= self.MAX_PENDING:
            self.done.append(self.pending.pop(0).result())
        self.pending.append(self.pool.submit(self._split, batch))

    def results(self) -> Episodes:
        """Every batch's events (in the order submitted), the periods each MMSI was
        shared, and the thread's busy seconds."""
        self.done.extend(future.result() for future in self.pending)
        self.pending = []
        events: list[Detection] = []
        shared: dict[int, list[tuple[float, float]]] = {}
        busy = 0.0
        for found, periods, seconds in self.done:
            events.extend(found)
            shared.update(periods)
            busy += seconds
        return events, shared, busy

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
