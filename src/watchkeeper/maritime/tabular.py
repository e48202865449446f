"""AIS CSV layouts: NOAA, DMA, satellite exports (declared in csv_formats.yaml), or any CSV
with a mapping. ``columnar.py`` reads files with them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from watchkeeper.errors import InputError

REQUIRED = ("mmsi", "ts")
"""Every row needs a vessel and a time; a position needs lat and lon as well, and a file
of identity (static) reports may have none."""
POSITION_FIELDS = ("lat", "lon", "sog", "cog", "heading")
# Spellings of "no value" seen in AIS exports.
NULLS = ("", "none", "null", "na", "nan", "n/a")
IDENTITY_FIELDS = ("name", "imo", "call_sign", "ship_type", "length", "width", "destination")
FIELDS = (*REQUIRED, *POSITION_FIELDS, *IDENTITY_FIELDS)
MAX_FIELD = 1 << 16


@dataclass(frozen=True)
class Layout:
    name: str
    columns: Mapping[str, str]
    time_format: str = "iso"


@cache
def layouts() -> dict[str, Layout]:
    data = yaml.safe_load(resources.files(__package__).joinpath("csv_formats.yaml").read_text())
    return {
        name: Layout(name, spec["columns"], spec.get("time_format", "iso"))
        for name, spec in data["formats"].items()
    }


def custom_layout(mapping: Mapping[str, str], time_format: str = "iso") -> Layout:
    unknown = set(mapping) - set(FIELDS)
    if unknown:
        raise InputError(
            "--map",
            f"unknown field(s) {', '.join(sorted(unknown))}; fields are {', '.join(FIELDS)}",
        )
    missing = [f for f in REQUIRED if f not in mapping]
    if not missing and not ({"lat", "lon"} <= set(mapping) or set(IDENTITY_FIELDS) & set(mapping)):
        missing = [f for f in ("lat", "lon") if f not in mapping]
    if missing:
        raise InputError(
            "--map",
            f"a mapping needs {', '.join(missing)} (mmsi and ts always; lat and lon for positions)",
        )
    return Layout("csv", dict(mapping), time_format)


def sniff_layout(header: list[str]) -> Layout | None:
    for layout in layouts().values():
        if all(layout.columns[f] in header for f in (*REQUIRED, "lat", "lon")):
            return layout
    return None
