"""Ingesting AIS files: detect the format, read, normalise, merge into the dataset.

Bad sentences and rows are counted and reported with examples, never fatal. A file that
cannot be read at all (corrupt Parquet, unknown layout, random bytes) is reported and
skipped; the dataset keeps every row it had.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from watchkeeper.errors import InputError
from watchkeeper.maritime.columnar import ingest_columnar
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.nmea import read_nmea
from watchkeeper.maritime.records import (
    Identity,
    IngestReport,
    Position,
    identities_table,
    positions_table,
)
from watchkeeper.maritime.tabular import Layout, layouts

FORMATS = ("auto", "nmea", "csv", "parquet", *layouts())
CHUNK = 500_000


SIMULATOR_TRUTH = "truth.json"


def detect_format(path: Path) -> str:
    if path.is_dir():
        raise InputError(str(path), "a folder, not a file (give the files in it)")
    if not path.is_file():
        raise InputError(str(path), "no such file")
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head:
        raise InputError(str(path), "the file is empty")
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.lstrip()[:1] in (b"[", b"{"):
        if path.name == SIMULATOR_TRUTH:
            return "truth"
        raise InputError(str(path), "a JSON file, not AIS data (NMEA, CSV or Parquet)")
    first = next((line.strip() for line in head.splitlines() if line.strip()), b"")
    if first[:1] in (b"!", b"\\", b"$"):
        return "nmea"
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    if "," in text and text.isprintable():
        return "csv"
    raise InputError(str(path), "not AIS data: no NMEA sentences, CSV header or Parquet signature")


def ingest_file(
    dataset: AisDataset,
    path: Path,
    fmt: str = "auto",
    layout: Layout | None = None,
    assume_time: datetime | None = None,
) -> IngestReport:
    """One file into the dataset: NMEA through pyais, CSV and Parquet through DuckDB."""
    report = IngestReport(str(path))
    try:
        if fmt == "auto":
            fmt = detect_format(path)
        if fmt == "truth":
            report.format = "truth"
            report.skipped = "the simulator's ground truth, not AIS data (`ais simulate` writes it beside the AIS files)"
        elif fmt == "nmea":
            _ingest_nmea(dataset, path, report, assume_time)
        elif fmt == "parquet":
            ingest_columnar(dataset, path, "parquet", layout, report)
        else:
            ingest_columnar(dataset, path, "csv", layout or layouts().get(fmt), report)
    except InputError as exc:
        report.error = exc.detail.removeprefix(f"{path}: ")
    return report


def _ingest_nmea(
    dataset: AisDataset, path: Path, report: IngestReport, assume_time: datetime | None
) -> None:
    positions: list[Position] = []
    identities: list[Identity] = []
    for record in read_nmea(path, report, assume_time):
        if isinstance(record, Position):
            positions.append(record)
        else:
            identities.append(record)
        if len(positions) >= CHUNK:
            _flush(dataset, report, positions, identities)
    _flush(dataset, report, positions, identities)


def _flush(
    dataset: AisDataset, report: IngestReport, positions: list[Position], identities: list[Identity]
) -> None:
    if positions:
        new = dataset.add_positions(positions_table(positions, report.file))
        report.positions += new
        report.duplicates += len(positions) - new
    if identities:
        report.identities += dataset.add_identities(identities_table(identities, report.file))
    positions.clear()
    identities.clear()


def ingest(
    dataset: AisDataset,
    paths: Iterable[Path],
    fmt: str = "auto",
    layout: Layout | None = None,
    assume_time: datetime | None = None,
) -> list[IngestReport]:
    if fmt not in FORMATS:
        raise InputError(fmt, f"unknown AIS format; one of: {', '.join(FORMATS)}")
    return [ingest_file(dataset, path, fmt, layout, assume_time) for path in paths]
