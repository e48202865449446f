"""Citations as a reader shows them: the report a fact comes from, with its grading."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from watchkeeper.model.grading import grade
from watchkeeper.model.marking import Viewer


@dataclass(frozen=True)
class Citation:
    publisher: str
    title: str
    date: str | None
    url: str | None
    reliability: str

    @classmethod
    def from_source(cls, source: dict[str, Any] | None) -> Citation | None:
        if source is None:
            return None
        return cls(
            publisher=str(source.get("publisher") or ""),
            title=str(source.get("title") or ""),
            date=source.get("published"),
            url=source.get("url"),
            reliability=str(source.get("reliability") or "F"),
        )

    def grade(self, credibility: int | None) -> str:
        return grade(self.reliability, credibility)


WITHHELD = Citation(
    "source withheld", "the source of this item is not releasable to you", None, None, "F"
)


def shown_marking(key: str, viewer: Viewer) -> str:
    """A marking as ``viewer`` may read it: the list of recipients is the originator's
    business, so it is left out for everyone else (a recipient learns it is cleared,
    not who else is)."""
    parts = key.split(" | ")
    originator = next((p.removeprefix("ORIG ") for p in parts if p.startswith("ORIG ")), None)
    if originator == viewer.organisation:
        return key
    return " | ".join(p for p in parts if not p.startswith("TO "))
