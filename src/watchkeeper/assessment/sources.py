"""Citations as a reader shows them: the report a fact comes from, with its grading."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from watchkeeper.assessment.periods import first_day, last_day
from watchkeeper.model.grading import grade
from watchkeeper.model.marking import Viewer
from watchkeeper.store.assessment import CITE, StoredJudgment


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

    def published_by(self, as_of: dt.date | None) -> bool:
        """Was the report out on or before ``as_of``? A partial date counts when its last
        day is (``2025-03``: from 2025-03-31). An undated citation is taken as known."""
        return published_by(self.date, as_of)

    @property
    def key(self) -> str:
        """What makes it one source: its URL (one URL is one source), else the whole
        citation."""
        return self.url or repr((self.publisher, self.title, self.date))


def cited_report(source: dict[str, Any] | None) -> Citation | None:
    """The report an estimate or judgment cites, or None when it cites none (its source is
    then the release it came in, which is not a report about the world)."""
    if source is None or CITE not in str(source.get("id", "")):
        return None
    return Citation.from_source(source)


def judgment_known_by(stored: StoredJudgment, as_of: dt.date | None) -> bool:
    """Was a judgment made, and the report it cites out, by ``as_of``?"""
    if as_of is None:
        return True
    if first_day(str(stored.record.made_on)[:10]) > as_of:
        return False
    cite = cited_report(stored.provenance.source)
    return cite is None or cite.published_by(as_of)


def published_by(when: str | None, as_of: dt.date | None) -> bool:
    """Is a publication date ``when`` (ISO, possibly partial or with a time) on or before
    ``as_of``? None for either: yes."""
    if as_of is None or not when:
        return True
    return last_day(str(when)[:10]) <= as_of


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
