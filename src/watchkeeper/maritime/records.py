"""The normalised AIS records: positions and identity (static/voyage) reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

POSITION_SCHEMA = pa.schema(
    [
        ("mmsi", pa.int64()),
        ("ts", pa.timestamp("ms", tz="UTC")),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("sog", pa.float32()),
        ("cog", pa.float32()),
        ("heading", pa.float32()),
        ("source", pa.string()),
        # How many identical reports (same vessel, time and place) this row stands for:
        # one message received by several stations is one position.
        ("reports", pa.int64()),
    ]
)
# Identity reports are stored as spans (dataset.py): first and last report and how many.
IDENTITY_SCHEMA = pa.schema(
    [
        ("mmsi", pa.int64()),
        ("ts", pa.timestamp("ms", tz="UTC")),
        ("last_ts", pa.timestamp("ms", tz="UTC")),
        ("reports", pa.int64()),
        ("name", pa.string()),
        ("imo", pa.string()),
        ("call_sign", pa.string()),
        ("ship_type", pa.int32()),
        ("length", pa.float32()),
        ("width", pa.float32()),
        ("destination", pa.string()),
        ("flag", pa.string()),
        ("source", pa.string()),
    ]
)
MAX_EXAMPLES = 5
UNDATED = "messages without a timestamp"


@dataclass
class Position:
    mmsi: int
    ts: datetime
    lat: float
    lon: float
    sog: float | None = None
    cog: float | None = None
    heading: float | None = None


@dataclass
class Identity:
    mmsi: int
    ts: datetime
    name: str | None = None
    imo: str | None = None
    call_sign: str | None = None
    ship_type: int | None = None
    length: float | None = None
    width: float | None = None
    destination: str | None = None
    flag: str | None = None


@dataclass
class IngestReport:
    """What one file gave: good records, and every rejection counted with a few examples."""

    file: str
    format: str = "unknown"
    lines: int = 0
    positions: int = 0
    identities: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    """Set when the file as a whole could not be read (nothing from it was kept)."""
    skipped: str | None = None
    """Set when the file is knowingly not AIS data (the simulator's truth.json)."""
    simulated: bool = False
    """The file says it holds simulated traffic (the simulator's Parquet metadata): its
    rows' ``source`` starts with ``SIMULATED_ORIGIN``, and what is detected in them is
    stored as simulated material."""

    @property
    def origin(self) -> str:
        """The ``source`` column of the rows read from this file."""
        return SIMULATED_ORIGIN + self.file if self.simulated else self.file

    def reject(self, reason: str, where: str) -> None:
        self.rejected[reason] += 1
        examples = self.examples.setdefault(reason, [])
        if len(examples) < MAX_EXAMPLES:
            examples.append(where[:200])

    def to_dict(self) -> dict[str, object]:
        # Not dataclasses.asdict: it rebuilds the Counter from (key, count) pairs.
        return {
            "file": self.file,
            "format": self.format,
            "lines": self.lines,
            "positions": self.positions,
            "identities": self.identities,
            "duplicates": self.duplicates,
            "rejected": dict(self.rejected),
            "examples": {k: list(v) for k, v in self.examples.items()},
            "error": self.error,
            "skipped": self.skipped,
        }

    def summary(self) -> str:
        if self.error:
            return f"{self.file}: not imported: {self.error}"
        if self.skipped:
            return f"{self.file}: skipped: {self.skipped}"
        parts = [
            f"{self.file} ({self.format}): {self.positions:,} positions, {self.identities:,} identity reports"
        ]
        if self.duplicates:
            parts.append(f"{self.duplicates:,} duplicates dropped")
        for reason, count in self.rejected.most_common():
            example = self.examples.get(reason)
            parts.append(f"{count:,} {reason}" + (f" (e.g. {example[0]!r})" if example else ""))
        if self.rejected.get(UNDATED):
            parts.append(
                "these sentences carry no receiver time: give their capture time with "
                "--assume-time (e.g. --assume-time 2024-03-01T00:00:00)"
            )
        return "; ".join(parts)


def valid_position(lat: float, lon: float) -> bool:
    # AIS uses 91 and 181 for "not available"; anything outside the globe is damage.
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


SIMULATED_ORIGIN = "simulated:"
"""How a row's ``source`` says it is simulated (the simulator's files, the demo)."""
MATERIAL_KEY = b"watchkeeper:material"
"""The Parquet metadata key by which a file says what material it holds."""


def _table(rows: list[Position] | list[Identity], schema: pa.Schema, source: str) -> pa.Table:
    columns = {
        name: [getattr(r, name) for r in rows]
        for name in schema.names
        if name not in ("source", "last_ts", "reports")
    }
    if "last_ts" in schema.names:  # one report each: its span ends where it starts
        columns["last_ts"] = columns["ts"]
    columns["reports"] = [1] * len(rows)
    return pa.Table.from_pydict({**columns, "source": [source] * len(rows)}, schema=schema)


def positions_table(rows: list[Position], source: str) -> pa.Table:
    return _table(rows, POSITION_SCHEMA, source)


def identities_table(rows: list[Identity], source: str) -> pa.Table:
    return _table(rows, IDENTITY_SCHEMA, source)
