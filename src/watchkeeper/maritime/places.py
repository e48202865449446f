"""Where ships are expected to stop: the world's ports and the anchorages the data shows.

Two sources, each kept with its provenance:

- **Ports**: a gazetteer installed with the package. The default is the port list that
  the ``searoute`` package ships (``searoute/data/ports.geojson``, 3,962 ports with their
  UN/LOCODE; Apache-2.0), read as data. A user may give another list (``--ports``: a
  GeoJSON file of points, or a CSV with ``name,lat,lon`` and optionally ``id,radius_km``).
- **Anchorages** learned from the AIS dataset, as Global Fishing Watch learns them:
  grid cells where several distinct vessels stay (declared thresholds in
  :class:`AnchorageRules`), neighbouring cells joined into one anchorage. They are stored
  in the dataset folder as GeoJSON (``anchorages.geojson``), listed for review, can be
  rejected one by one (a rejected anchorage suppresses nothing), and exported.

The detectors look places up through a grid (:func:`place_cells`): each cell of
``LOOKUP_DEGREES`` names its nearest port and nearest anchorage, and the exact distance
from a position to those is computed in SQL, so the look-up is one equi-join that DuckDB
and Spark run alike.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import os
import re
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from watchkeeper.errors import InputError
from watchkeeper.maritime.dataset import AisDataset, connect, sql_files

EARTH_KM = 6371.0088
KM_PER_DEGREE = 2 * math.pi * EARTH_KM / 360
LOOKUP_DEGREES = 0.02
"""The look-up grid (about 2.2 km north-south)."""
MAX_PORTS = 100_000
ANCHORAGES_FILE = "anchorages.geojson"
FILE_KIND = "watchkeeper-anchorages"
STAY_ROWS_PER_SHARE = 30_000_000
"""Positions whose stays are grouped at a time (about 2 GB of DuckDB's hash table)."""


@dataclass(frozen=True)
class PortRules:
    radius_km: float = 5.0
    """A port call at a gazetteer port needs a stop within this distance of its point."""
    clear_km: float = 10.0
    """Encounters and loitering are reported only this far from every port (GFW: 10 km)."""


@dataclass(frozen=True)
class AnchorageRules:
    """The declared thresholds anchorages are learned with."""

    cell_degrees: float = 0.01
    """Cells of this size in latitude and longitude (about 1.1 km north-south)."""
    window_hours: float = 6.0
    """A vessel *stays* in a cell when, within one window of this length, ..."""
    min_stay_hours: float = 1.0
    """... two of its positions in that cell are at least this far apart."""
    neighbours: int = 1
    """Vessels are counted in a cell and this many cells around it (1: the 3 x 3 block,
    about 3 km): ships at anchor spread over an anchorage, one per spot."""
    min_vessels: int = 3
    """A cell where a vessel stayed is an anchorage cell when at least this many distinct
    vessels stayed in it or around it..."""
    min_vessels_near_port: int = 2
    """...and so is one with this many within ``near_port_km`` of a gazetteer port (a
    berth the gazetteer's point misses; two ships far out at sea are a meeting, not an
    anchorage)."""
    near_port_km: float = 25.0
    radius_km: float = 0.8
    """A position this close to an anchorage cell's centre is at the anchorage."""
    clear_km: float = 2.0
    """Encounters and loitering are reported only this far from an anchorage cell."""


@dataclass(frozen=True)
class Place:
    """A port or an anchorage: one or more points (an anchorage: its cells' centres)."""

    id: str
    name: str
    kind: str  # "port" or "anchorage"
    points: tuple[tuple[float, float], ...]  # (lat, lon)
    radius_km: float
    clear_km: float
    source: str
    country: str | None = None

    @property
    def lat(self) -> float:
        return sum(p[0] for p in self.points) / len(self.points)

    @property
    def lon(self) -> float:
        return sum(p[1] for p in self.points) / len(self.points)


@dataclass
class Anchorage:
    id: str
    cells: list[tuple[int, int]]
    vessels: int
    stays: int
    status: str = "learned"  # or "rejected" after review
    near_port: str | None = None
    name: str = ""
    properties: dict[str, Any] = field(default_factory=dict)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


# -- the ports gazetteer ---------------------------------------------------------------


def _searoute_ports() -> Path:
    spec = importlib.util.find_spec("searoute")  # located, not imported: its import builds graphs
    if spec is None or not spec.submodule_search_locations:
        raise InputError("searoute", "the ports gazetteer package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "ports.geojson"


def gazetteer(path: Path | None = None, rules: PortRules = PortRules()) -> list[Place]:
    """The world ports: ``searoute``'s list, or the user's file (GeoJSON or CSV)."""
    file = path or _searoute_ports()
    source = f"gazetteer:{file.name}" if path else "gazetteer:searoute-1.6.0"
    if file.suffix.lower() == ".csv":
        return _ports_from_csv(file, rules, source)
    return _ports_from_geojson(file, rules, source)


def _port(
    file: Path, record: str, name: Any, lat: Any, lon: Any, code: Any, radius: Any,
    rules: PortRules, source: str, index: int,
) -> Place:  # fmt: skip
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        raise InputError(
            str(file), f"latitude/longitude not numbers: {lat!r}, {lon!r}", record
        ) from None
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        raise InputError(str(file), f"position {la}, {lo} is off the globe", record)
    text = str(name or "").strip()[:200]
    if not text:
        raise InputError(str(file), "a port needs a name", record)
    radius_km = rules.radius_km
    if radius not in (None, ""):
        try:
            radius_km = float(radius)
        except (TypeError, ValueError):
            raise InputError(str(file), f"radius_km not a number: {radius!r}", record) from None
        if not 0 < radius_km <= 50:
            raise InputError(str(file), f"radius_km {radius_km} is not between 0 and 50", record)
    ident = str(code).strip() if code else ""
    slug = re.sub(r"[^a-z0-9]+", "-", (ident or text).lower()).strip("-")
    country = ident[:2].lower() if re.fullmatch(r"[A-Z]{2}[A-Z0-9]{3}", ident) else None
    return Place(
        f"port-{slug}" if ident else f"port-{slug}-{index}",
        text + (f" ({ident})" if ident else ""),
        "port",
        ((la, lo),),
        radius_km,
        max(rules.clear_km, radius_km),
        source,
        country,
    )


def _ports_from_geojson(file: Path, rules: PortRules, source: str) -> list[Place]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(file), f"not a readable GeoJSON file: {exc}") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        raise InputError(str(file), "a ports file needs a FeatureCollection of Point features")
    if len(features) > MAX_PORTS:
        raise InputError(str(file), f"more than {MAX_PORTS:,} ports")
    ports = []
    for number, feature in enumerate(features, 1):
        record = f"feature {number}"
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            raise InputError(str(file), "a port must be a Point feature", record)
        coords = geometry.get("coordinates")
        if not isinstance(coords, list) or len(coords) < 2:
            raise InputError(str(file), "a Point needs [longitude, latitude]", record)
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise InputError(str(file), "properties must be an object", record)
        ports.append(
            _port(
                file,
                record,
                props.get("name"),
                coords[1],
                coords[0],
                props.get("port") or props.get("id") or props.get("locode"),
                props.get("radius_km"),
                rules,
                source,
                number,
            )
        )
    return _unique(ports)


def _ports_from_csv(file: Path, rules: PortRules, source: str) -> list[Place]:
    try:
        with file.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(str(file), f"not a readable CSV file: {exc}") from None
    if not rows:
        raise InputError(str(file), "no ports in the file")
    missing = [c for c in ("name", "lat", "lon") if c not in rows[0]]
    if missing:
        raise InputError(str(file), f"a ports CSV needs the column(s) {', '.join(missing)}")
    if len(rows) > MAX_PORTS:
        raise InputError(str(file), f"more than {MAX_PORTS:,} ports")
    return _unique(
        [
            _port(
                file,
                f"line {n + 1}",
                r.get("name"),
                r.get("lat"),
                r.get("lon"),
                r.get("id"),
                r.get("radius_km"),
                rules,
                source,
                n,
            )
            for n, r in enumerate(rows, 1)
        ]
    )


def _unique(ports: list[Place]) -> list[Place]:
    """Ids made unique (the gazetteer lists some codes twice, e.g. two Tonghae entries)."""
    seen: dict[str, int] = {}
    out = []
    for port in ports:
        count = seen.get(port.id, 0)
        seen[port.id] = count + 1
        out.append(port if not count else replace(port, id=f"{port.id}-{count + 1}"))
    return out


# -- anchorages learned from the data --------------------------------------------------


def learn_anchorages(
    dataset: AisDataset,
    rules: AnchorageRules = AnchorageRules(),
    ports: list[Place] | None = None,
    previous: list[Anchorage] | None = None,
) -> list[Anchorage]:
    """Cells where at least ``min_vessels`` distinct vessels stayed, joined into
    anchorages (cells touching at a side or corner). A stay: two positions of one vessel
    in one cell, within one ``window_hours`` window, ``min_stay_hours`` apart or more.
    Review decisions of ``previous`` (rejections) are kept for anchorages of the same id."""
    files = dataset.files("positions")
    if not files:
        return []
    size, window = rules.cell_degrees, rules.window_hours * 3600
    # The stays are grouped from every position of the dataset: in bounded memory
    # (connect's limit), spilling to a temporary folder beyond it. Nearly every
    # (vessel, cell, window) of a moving ship is a group of its own (82 M groups for
    # 100 M positions), so the vessels are grouped a share at a time (by a hash of the
    # MMSI: every group falls in exactly one share), each share's table fitting in
    # memory; reading the positions again per share costs less than spilling.
    with tempfile.TemporaryDirectory(prefix="watchkeeper-anchorages-") as temp:
        con = connect(Path(temp))
        listed = f"read_parquet([{sql_files(files)}])"
        found = con.execute(f"SELECT count(*) FROM {listed}").fetchone()
        shares = max(1, math.ceil((found[0] if found else 0) / STAY_ROWS_PER_SHARE))
        con.execute("CREATE TABLE stays (mmsi BIGINT, cy BIGINT, cx BIGINT, w DOUBLE)")
        for share in range(shares):
            where = f"WHERE hash(mmsi) % {shares} = {share}" if shares > 1 else ""
            con.execute(f"""INSERT INTO stays
                SELECT mmsi, CAST(floor(lat / {size}) AS BIGINT) AS cy, CAST(floor(lon / {size}) AS BIGINT) AS cx,
                       floor(epoch(ts) / {window}) AS w
                FROM {listed} {where}
                GROUP BY ALL HAVING epoch(max(ts)) - epoch(min(ts)) >= {rules.min_stay_hours * 3600}""")
        rows = con.execute(f"""WITH cells AS (
                    SELECT DISTINCT cy, cx FROM stays
                ), offsets AS (
                    SELECT a.range AS dy, b.range AS dx
                    FROM range(-{rules.neighbours}, {rules.neighbours} + 1) a,
                         range(-{rules.neighbours}, {rules.neighbours} + 1) b
                ), around AS (  -- the vessels that stayed in each stay cell or its neighbours
                    -- (an equi-join on each neighbour offset: a range join of stays
                    -- with cells grows with their product, minutes at 100 M positions)
                    SELECT c.cy, c.cx, s.mmsi FROM stays s CROSS JOIN offsets o
                    JOIN cells c ON c.cy = s.cy + o.dy AND c.cx = s.cx + o.dx
                )
                SELECT a.cy, a.cx, count(DISTINCT a.mmsi) AS vessels,
                       (SELECT count(*) FROM stays s WHERE s.cy = a.cy AND s.cx = a.cx) AS stays
                FROM around a GROUP BY a.cy, a.cx
                HAVING count(DISTINCT a.mmsi) >= {int(min(rules.min_vessels, rules.min_vessels_near_port))}
                ORDER BY a.cy, a.cx""").fetchall()
        con.close()
    near = [p.points[0] for p in ports or []]

    def enough(cy: int, cx: int, vessels: int) -> bool:
        if vessels >= rules.min_vessels:
            return True
        centre = ((cy + 0.5) * size, (cx + 0.5) * size)
        return any(abs(p[0] - centre[0]) < 1 and km(centre, p) <= rules.near_port_km for p in near)

    cells = {
        (int(cy), int(cx)): (int(v), int(s)) for cy, cx, v, s in rows if enough(cy, cx, int(v))
    }
    decided = {a.id: a.status for a in previous or []}
    anchorages = []
    for group in _connected(cells):
        first = min(group)
        anchorage = Anchorage(
            id=f"anchorage-{first[0]}-{first[1]}",
            cells=sorted(group),
            vessels=max(cells[c][0] for c in group),
            stays=sum(cells[c][1] for c in group),
        )
        anchorage.status = decided.get(anchorage.id, "learned")
        centre = _centre(anchorage.cells, rules.cell_degrees)
        nearest = min(ports or [], key=lambda p: km(centre, p.points[0]), default=None)
        if nearest is not None and km(centre, nearest.points[0]) <= 20:
            anchorage.near_port = nearest.name
        anchorage.name = (
            f"anchorage near {anchorage.near_port}"
            if anchorage.near_port
            else f"anchorage at {centre[0]:.3f}, {centre[1]:.3f}"
        )
        anchorages.append(anchorage)
    return anchorages


def _connected(cells: Iterable[tuple[int, int]]) -> list[set[tuple[int, int]]]:
    remaining = set(cells)
    groups = []
    while remaining:
        start = min(remaining)
        remaining.discard(start)
        group, todo = {start}, [start]
        while todo:
            cy, cx = todo.pop()
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    other = (cy + dy, cx + dx)
                    if other in remaining:
                        remaining.discard(other)
                        group.add(other)
                        todo.append(other)
        groups.append(group)
    return sorted(groups, key=min)


def _centre(cells: list[tuple[int, int]], size: float) -> tuple[float, float]:
    return (
        sum((cy + 0.5) * size for cy, _ in cells) / len(cells),
        sum((cx + 0.5) * size for _, cx in cells) / len(cells),
    )


def anchorage_places(anchorages: list[Anchorage], rules: AnchorageRules) -> list[Place]:
    """The anchorages in force (not rejected) as places, one point per cell."""
    size = rules.cell_degrees
    return [
        Place(
            a.id,
            a.name,
            "anchorage",
            tuple(((cy + 0.5) * size, (cx + 0.5) * size) for cy, cx in a.cells),
            rules.radius_km,
            rules.clear_km,
            "learned",
        )
        for a in anchorages
        if a.status != "rejected"
    ]


# -- storage, review and export (GeoJSON) ----------------------------------------------


def to_geojson(
    anchorages: list[Anchorage], rules: AnchorageRules, positions: int
) -> dict[str, Any]:
    size = rules.cell_degrees
    features = []
    for a in anchorages:
        squares = [
            [[
                [cx * size, cy * size], [(cx + 1) * size, cy * size],
                [(cx + 1) * size, (cy + 1) * size], [cx * size, (cy + 1) * size],
                [cx * size, cy * size],
            ]]
            for cy, cx in a.cells
        ]  # fmt: skip
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "MultiPolygon", "coordinates": squares},
                "properties": {
                    "id": a.id,
                    "name": a.name,
                    "status": a.status,
                    "vessels": a.vessels,
                    "stays": a.stays,
                    "near_port": a.near_port,
                    "cells": [list(c) for c in a.cells],
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "watchkeeper": {
            "kind": FILE_KIND,
            "version": 1,
            "rules": asdict(rules),
            "positions": positions,
            "learned_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        "features": features,
    }


def read_anchorages(file: Path) -> tuple[list[Anchorage], AnchorageRules, int]:
    """An anchorages file as written by :func:`to_geojson` (possibly edited in review)."""
    path = str(file)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(path, f"not a readable anchorages file: {exc}") from None
    meta = data.get("watchkeeper") if isinstance(data, dict) else None
    if not isinstance(meta, dict) or meta.get("kind") != FILE_KIND:
        raise InputError(path, "not a Watchkeeper anchorages file (written by `ais anchorages`)")
    if meta.get("version") != 1:
        raise InputError(path, f"anchorages file version {meta.get('version')!r} is not 1")
    try:
        rules = AnchorageRules(**meta.get("rules", {}))
    except TypeError as exc:
        raise InputError(path, f"unknown rule in the file: {exc}") from None
    if not 0.001 <= rules.cell_degrees <= 0.1 or rules.min_vessels < 1:
        raise InputError(path, "rules out of range (cell_degrees 0.001-0.1, min_vessels >= 1)")
    features = data.get("features")
    if not isinstance(features, list):
        raise InputError(path, "features must be a list")
    out = []
    for number, feature in enumerate(features, 1):
        record = f"feature {number}"
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            raise InputError(path, "a feature needs properties", record)
        cells = props.get("cells")
        if (
            not isinstance(cells, list)
            or not cells
            or not all(
                isinstance(c, list) and len(c) == 2 and all(type(v) is int for v in c)
                for c in cells
            )
        ):
            raise InputError(
                path, "cells must be a non-empty list of [row, column] integers", record
            )
        limit = 90 / rules.cell_degrees, 180 / rules.cell_degrees
        if any(abs(cy) > limit[0] or abs(cx) > limit[1] for cy, cx in cells):
            raise InputError(path, "a cell is off the globe", record)
        status = props.get("status", "learned")
        if status not in ("learned", "rejected"):
            raise InputError(path, f"status {status!r} is not learned or rejected", record)
        ident = props.get("id")
        if not isinstance(ident, str) or not ident:
            raise InputError(path, "an anchorage needs an id", record)
        out.append(
            Anchorage(
                ident,
                [(int(a), int(b)) for a, b in cells],
                int(props.get("vessels") or 0),
                int(props.get("stays") or 0),
                status,
                props.get("near_port"),
                str(props.get("name") or ident)[:200],
            )
        )
    return out, rules, int(meta.get("positions") or 0)


def anchorages_path(dataset: AisDataset) -> Path:
    return dataset.root / ANCHORAGES_FILE


def save_anchorages(
    dataset: AisDataset, anchorages: list[Anchorage], rules: AnchorageRules, positions: int
) -> Path:
    path = anchorages_path(dataset)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a temporary file of this process's own: two detections learning at once must not
    # write into or rename away each other's (the last whole file wins)
    temp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        temp.write_text(json.dumps(to_geojson(anchorages, rules, positions), indent=1))
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def current_anchorages(
    dataset: AisDataset, ports: list[Place], rules: AnchorageRules | None = None
) -> tuple[list[Anchorage], AnchorageRules, bool]:
    """The stored anchorages, learned again (review decisions kept) when the dataset has
    changed since or other rules are asked for; returns whether they were (re)learned."""
    path = anchorages_path(dataset)
    stored: list[Anchorage] = []
    stored_rules = rules or AnchorageRules()
    positions = dataset.count()
    if path.exists():
        stored, file_rules, learned_on = read_anchorages(path)
        if rules is None:
            stored_rules = file_rules
        if learned_on == positions and stored_rules == file_rules:
            return stored, stored_rules, False
    learned = learn_anchorages(dataset, stored_rules, ports, stored)
    save_anchorages(dataset, learned, stored_rules, positions)
    return learned, stored_rules, True


def known_places(
    dataset: AisDataset,
    ports_file: Path | None = None,
    learn: bool = True,
    rules: AnchorageRules | None = None,
) -> tuple[list[Place], str]:
    """The ports (gazetteer) and anchorages in force for ``dataset``, and a line saying
    what they are."""
    ports = gazetteer(ports_file)
    if not learn:
        return ports, f"{len(ports):,} ports ({ports[0].source if ports else 'none'})"
    anchorages, used, relearned = current_anchorages(dataset, ports, rules)
    kept = anchorage_places(anchorages, used)
    rejected = len(anchorages) - len(kept)
    note = (
        f"{len(ports):,} ports ({ports[0].source if ports else 'none'}), "
        f"{len(kept):,} anchorages {'learned from' if relearned else 'stored for'} this dataset"
        + (f" ({rejected} rejected in review)" if rejected else "")
    )
    return ports + kept, note


# -- the look-up grid ------------------------------------------------------------------

LOOKUP_SCHEMA = pa.schema(
    [
        ("cy", pa.int64()),
        ("cx", pa.int64()),
        *[
            (f"{kind}_{col}", typ)
            for kind in ("port", "anch")
            for col, typ in (
                ("id", pa.string()),
                ("lat", pa.float64()),
                ("lon", pa.float64()),
                ("radius", pa.float64()),
                ("clear", pa.float64()),
            )
        ],
    ]
)


def place_cells(
    places: list[Place], bbox: tuple[float, float, float, float] | None = None
) -> pa.Table:
    """Each look-up cell near a place, with its nearest port and nearest anchorage point
    (by distance from the cell's centre) — only cells within ``bbox`` (south, north,
    west, east) when given: the places near the data."""
    size = LOOKUP_DEGREES
    best: dict[tuple[int, int], dict[str, tuple[float, Place, tuple[float, float]]]] = {}
    half_diagonal = size * KM_PER_DEGREE * math.sqrt(2) / 2
    for place in places:
        kind = "port" if place.kind == "port" else "anch"
        reach = place.clear_km + half_diagonal
        for point in place.points:
            lat, lon = point
            if bbox and not (
                bbox[0] - 1 <= lat <= bbox[1] + 1 and bbox[2] - 1 <= lon <= bbox[3] + 1
            ):
                continue
            dlat = reach / KM_PER_DEGREE
            dlon = reach / (KM_PER_DEGREE * max(0.05, math.cos(math.radians(lat))))
            for cy in range(math.floor((lat - dlat) / size), math.floor((lat + dlat) / size) + 1):
                for cx in range(
                    math.floor((lon - dlon) / size), math.floor((lon + dlon) / size) + 1
                ):
                    centre = ((cy + 0.5) * size, (cx + 0.5) * size)
                    d = km(centre, point)
                    if d > reach:
                        continue
                    slot = best.setdefault((cy, cx), {})
                    if kind not in slot or d < slot[kind][0]:
                        slot[kind] = (d, place, point)
    columns: dict[str, list[Any]] = {name: [] for name in LOOKUP_SCHEMA.names}
    for (cy, cx), slot in sorted(best.items()):
        columns["cy"].append(cy)
        columns["cx"].append(cx)
        for kind in ("port", "anch"):
            found = slot.get(kind)
            columns[f"{kind}_id"].append(found[1].id if found else None)
            columns[f"{kind}_lat"].append(found[2][0] if found else None)
            columns[f"{kind}_lon"].append(found[2][1] if found else None)
            columns[f"{kind}_radius"].append(found[1].radius_km if found else None)
            columns[f"{kind}_clear"].append(found[1].clear_km if found else None)
    return pa.Table.from_pydict(columns, schema=LOOKUP_SCHEMA)


__all__ = [
    "Anchorage",
    "AnchorageRules",
    "Place",
    "PortRules",
    "anchorage_places",
    "current_anchorages",
    "gazetteer",
    "learn_anchorages",
    "place_cells",
    "read_anchorages",
    "save_anchorages",
    "to_geojson",
]
