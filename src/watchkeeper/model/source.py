"""A source: a list release, a report, a feed or an analyst's entry."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import CLEAR, Marking

SOURCE_KINDS = ("list", "report", "feed", "analyst", "dataset")


@dataclass(frozen=True)
class Source:
    id: str
    dataset: str
    kind: str
    title: str
    publisher: str
    reliability: Reliability = Reliability.F
    url: str | None = None
    published: str | None = None
    """ISO date of publication (for a list: the release date)."""
    retrieved: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    checksum: str | None = None
    marking: Marking = CLEAR
    date_assumed: bool = False
    """The file carried no release date: ``published`` was assumed (and is said to be)."""

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"unknown source kind {self.kind!r}")


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
