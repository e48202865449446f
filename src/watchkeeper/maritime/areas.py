"""Watched areas: the theater's ports, user points with a radius, and GeoJSON polygons."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchkeeper.errors import InputError

MAX_VERTICES = 5000


@dataclass(frozen=True)
class Area:
    """A point and radius, or a polygon (outer ring of (lon, lat) vertices, first vertex
    repeated last). A polygon's ``lat``/``lon`` is its vertices' centre and its radius 0:
    the detectors take a position inside the ring as at distance 0, one outside at its
    distance from the centre."""

    id: str
    name: str
    lat: float
    lon: float
    radius_km: float
    watched: bool = True
    polygon: tuple[tuple[float, float], ...] | None = None


def theater_ports() -> list[Area]:
    from watchkeeper.theater import load_dataset

    return [
        Area(p["id"], p["name"], float(p["latitude"]), float(p["longitude"]), float(p["radius_km"]))
        for p in load_dataset().ports
    ]


def parse_area(text: str) -> Area:
    """``NAME=LAT,LON,RADIUS_KM`` (a point and radius)."""
    try:
        name, coords = text.split("=", 1)
        lat, lon, radius = (float(v) for v in coords.split(","))
    except ValueError:
        raise InputError("--area", f"expected NAME=LAT,LON,RADIUS_KM, got {text!r}") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and radius > 0):
        raise InputError("--area", f"{text!r} is off the globe or has no radius")
    return Area(f"area-{name.strip().lower()}", name.strip(), lat, lon, radius)


def _ring(path: str, record: str, coords: Any) -> tuple[tuple[float, float], ...]:
    if not isinstance(coords, list) or not coords or not isinstance(coords[0], list):
        raise InputError(
            path, "a polygon needs a list of rings of [longitude, latitude] points", record
        )
    ring = coords[0]  # the outer ring; holes are not used
    if len(ring) < 4 or len(ring) > MAX_VERTICES:
        raise InputError(
            path, f"a ring needs 4 to {MAX_VERTICES:,} points, has {len(ring):,}", record
        )
    points = []
    for point in ring:
        if (
            not isinstance(point, list)
            or len(point) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point[:2])
        ):
            raise InputError(path, f"not a [longitude, latitude] point: {str(point)[:60]}", record)
        lon, lat = float(point[0]), float(point[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90) or math.isnan(lon) or math.isnan(lat):
            raise InputError(path, f"point {lon}, {lat} is off the globe", record)
        points.append((lon, lat))
    if points[0] != points[-1]:
        points.append(points[0])
    if max(p[0] for p in points) - min(p[0] for p in points) > 180:
        raise InputError(
            path, "polygons across the antimeridian are not supported; split it", record
        )
    return tuple(points)


def _polygon_area(name: str, ring: tuple[tuple[float, float], ...], index: int) -> Area:
    vertices = ring[:-1]
    lon = sum(p[0] for p in vertices) / len(vertices)
    lat = sum(p[1] for p in vertices) / len(vertices)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "area"
    return Area(f"area-{slug}" + (f"-{index}" if index else ""), name, lat, lon, 0.0, polygon=ring)


def load_geojson(file: Path) -> list[Area]:
    """Polygon and MultiPolygon features of a GeoJSON file as watched areas, named by
    their ``name`` property."""
    path = str(file)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(path, f"not a readable GeoJSON file: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(path, "GeoJSON must be an object")
    if data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise InputError(path, "a FeatureCollection needs a list of features")
    elif data.get("type") == "Feature":
        features = [data]
    else:
        features = [{"type": "Feature", "geometry": data, "properties": {}}]
    areas: list[Area] = []
    for number, feature in enumerate(features, 1):
        record = f"feature {number}"
        if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
            raise InputError(path, "not a feature with a geometry", record)
        props = feature.get("properties") or {}
        name = str(
            props.get("name") if isinstance(props, dict) and props.get("name") else f"area {number}"
        )[:200]
        geometry = feature["geometry"]
        kind = geometry.get("type")
        if kind == "Polygon":
            rings = [_ring(path, record, geometry.get("coordinates"))]
        elif kind == "MultiPolygon":
            parts = geometry.get("coordinates")
            if not isinstance(parts, list) or not parts:
                raise InputError(path, "a MultiPolygon needs a list of polygons", record)
            rings = [_ring(path, record, part) for part in parts]
        else:
            raise InputError(path, f"geometry {kind!r} is not a Polygon or MultiPolygon", record)
        areas.extend(_polygon_area(name, ring, i) for i, ring in enumerate(rings))
    if not areas:
        raise InputError(path, "no polygon in the file")
    return areas
