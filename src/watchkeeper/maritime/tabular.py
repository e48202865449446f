"""AIS as tables: CSV layouts (NOAA, DMA, satellite exports, any CSV with a mapping) and Parquet."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from watchkeeper.errors import InputError
from watchkeeper.maritime.records import Identity, IngestReport, Position, valid_position

REQUIRED = ("mmsi", "ts", "lat", "lon")
FIELDS = (
    *REQUIRED,
    "sog",
    "cog",
    "heading",
    "name",
    "imo",
    "call_sign",
    "ship_type",
    "length",
    "width",
    "destination",
)
IDENTITY_FIELDS = ("name", "imo", "call_sign", "ship_type", "length", "width", "destination")
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
    if missing:
        raise InputError("--map", f"a mapping needs {', '.join(missing)}")
    return Layout("csv", dict(mapping), time_format)


def sniff_layout(header: list[str]) -> Layout | None:
    for layout in layouts().values():
        if all(layout.columns[f] in header for f in REQUIRED):
            return layout
    return None


def parse_time(value: str, fmt: str) -> datetime:
    value = value.strip()
    if fmt == "iso":
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        when = datetime.strptime(value, fmt)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


NULLS = {"", "none", "null", "na", "nan", "n/a"}


def _number(value: Any) -> float | None:
    if value is None or str(value).strip().lower() in NULLS:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return None if text.lower() in NULLS else text


def row_records(
    row: Mapping[str, Any], layout: Layout, report: IngestReport, where: str
) -> Iterator[Position | Identity]:
    """A row gives a position, an identity report, or both (static rows carry no position)."""
    cols = layout.columns
    try:
        mmsi = int(float(row[cols["mmsi"]]))
        when = parse_time(str(row[cols["ts"]]), layout.time_format)
    except (KeyError, ValueError, TypeError):
        report.reject(
            "rows without a readable vessel id or time", f"{where}: {_sample(row, layout)}"
        )
        return
    if mmsi <= 0:
        report.reject("rows with an invalid vessel id", f"{where}: {_sample(row, layout)}")
        return
    identity = {f: _text(row.get(cols[f])) for f in IDENTITY_FIELDS if f in cols}
    has_identity = any(identity.values())
    lat_text, lon_text = row.get(cols["lat"]), row.get(cols["lon"])
    if lat_text in (None, "") and lon_text in (None, ""):
        if not has_identity:
            report.reject(
                "rows with neither a position nor an identity", f"{where}: {_sample(row, layout)}"
            )
    else:
        try:
            lat, lon = float(lat_text), float(lon_text)  # type: ignore[arg-type]
            sog, cog, heading = (
                _number(row.get(cols[f])) if f in cols else None for f in ("sog", "cog", "heading")
            )
        except (ValueError, TypeError):
            report.reject("rows with unreadable numbers", f"{where}: {_sample(row, layout)}")
            return
        if not valid_position(lat, lon):
            report.reject("positions off the globe", f"{where}: {_sample(row, layout)}")
        else:
            yield Position(mmsi, when, lat, lon, sog, cog, None if heading == 511 else heading)
    if has_identity:
        try:
            ship_type = identity.get("ship_type")
            imo = identity.get("imo")
            yield Identity(
                mmsi,
                when,
                name=identity.get("name"),
                imo=imo.removeprefix("IMO") if imo else None,
                call_sign=identity.get("call_sign"),
                ship_type=int(float(ship_type)) if ship_type else None,
                length=_number(identity.get("length")),
                width=_number(identity.get("width")),
                destination=identity.get("destination"),
            )
        except ValueError:
            report.reject("identity fields unreadable", f"{where}: {_sample(row, layout)}")


def _sample(row: Mapping[str, Any], layout: Layout) -> str:
    return ", ".join(f"{f}={row.get(c)!s:.20}" for f, c in layout.columns.items() if f in REQUIRED)


def read_csv(
    path: Path, report: IngestReport, layout: Layout | None = None
) -> Iterator[Position | Identity]:
    csv.field_size_limit(MAX_FIELD)
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in reader.fieldnames or []]
        reader.fieldnames = header
        chosen = layout or sniff_layout(header)
        if chosen is None:
            raise InputError(
                str(path),
                f"unrecognised AIS CSV columns ({', '.join(header[:8])}…); give a mapping with --map",
            )
        missing = [c for f, c in chosen.columns.items() if f in REQUIRED and c not in header]
        if missing:
            raise InputError(
                str(path),
                f"the {chosen.name} layout needs column(s) {', '.join(missing)}, which the file lacks",
            )
        report.format = chosen.name
        number = 1
        while True:
            number += 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                report.reject("rows CSV could not parse", f"row {number}: {exc}")
                continue
            report.lines += 1
            yield from row_records(row, chosen, report, f"row {number}")


def read_parquet(
    path: Path, report: IngestReport, layout: Layout | None = None
) -> Iterator[Position | Identity]:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise InputError(
            str(path), f"not a readable Parquet file ({type(exc).__name__}: {str(exc)[:120]})"
        ) from None
    chosen = layout or Layout("parquet", {f: f for f in FIELDS if f in table.column_names}, "iso")
    missing = [f for f in REQUIRED if chosen.columns.get(f) not in table.column_names]
    if missing:
        raise InputError(str(path), f"Parquet file lacks column(s) {', '.join(missing)}")
    report.format = "parquet"
    for number, row in enumerate(table.to_pylist(), start=1):
        report.lines += 1
        if isinstance(row.get(chosen.columns["ts"]), datetime):
            row[chosen.columns["ts"]] = row[chosen.columns["ts"]].isoformat()
        yield from row_records(row, chosen, report, f"row {number}")
