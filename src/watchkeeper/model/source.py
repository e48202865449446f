"""A source: a list release, a report, a feed or an analyst's entry."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import CLEAR, Marking

SOURCE_KINDS = ("list", "report", "feed", "analyst", "dataset")
MATERIALS = ("fact", "simulated", "exercise")
"""What a source's material is: a *fact* about the world (the default), *simulated* (the
AIS simulator, any generated data) or *exercise* (training data). Analytic products
(reports, dossiers, trackers, futures) use facts only; the others are shown only where
the user asks, always labelled."""
FACT = "fact"


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
    material: str = FACT
    """One of ``MATERIALS``."""

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"unknown source kind {self.kind!r}")
        if self.material not in MATERIALS:
            raise ValueError(f"unknown kind of material {self.material!r}")


def material_label(material: str | None) -> str:
    """The label shown beside a non-fact item ("" for a fact): "[SIMULATED]", "[EXERCISE]"."""
    return "" if material in (None, FACT) else f"[{str(material).upper()}]"


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
