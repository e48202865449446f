"""Watched areas: the theater's ports, and user-defined points with a radius."""

from __future__ import annotations

from dataclasses import dataclass

from watchkeeper.errors import InputError


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    lat: float
    lon: float
    radius_km: float
    watched: bool = True


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
