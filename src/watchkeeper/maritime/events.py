"""A detected event: what the detectors return and the knowledge base stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


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
    evidence: dict[str, int] = field(default_factory=dict)
    """What the event rests on, counted (positions, messages, jumps...), so that an
    analyst reading one event still sees how much detail it sums up."""

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
            "evidence": self.evidence,
        }


def when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
