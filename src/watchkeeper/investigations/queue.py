"""The review queue: an xref run for one viewer, its automatic acceptances, and the pairs
left for a reviewer.

The queue stores only which pairs to look at; when it is read, each pair is scored again
on what the viewer may see now (a pair whose evidence has since been re-marked away
drops out), and pairs already judged or already in one cluster are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from watchkeeper.investigations import judgments
from watchkeeper.investigations.resolver import resolve
from watchkeeper.investigations.xref import REVIEW, THRESHOLD, Blocker, Suggestion, xref
from watchkeeper.screening.index import Index
from watchkeeper.store import Reader, Store
from watchkeeper.store import judgments as sql


@dataclass
class XrefRun:
    found: list[Suggestion] = field(default_factory=list)
    accepted: list[judgments.Judgment] = field(default_factory=list)
    queued: list[Suggestion] = field(default_factory=list)


def run(
    store: Store,
    reader: Reader,
    index: Index,
    *,
    threshold: float = THRESHOLD,
    review: float = REVIEW,
    datasets: Iterable[str] | None = None,
    workers: int = 1,
    automatic: bool = True,
    progress: Callable[[int], None] | None = None,
) -> XrefRun:
    """Cross-reference what the reader's viewer may see; accept strong-identifier pairs
    automatically (``automatic``); put the rest up for review."""
    marks = frozenset(reader.marking_ids)
    found = xref(
        index,
        marks,
        threshold=threshold,
        review=review,
        datasets=datasets,
        workers=workers,
        progress=progress,
    )
    accepted = judgments.accept_automatically(store, reader, found) if automatic else []
    # A new judgment may carry a marking the reader did not know yet: read again.
    queued = pending(store.read(reader.viewer), found)
    sql.replace_candidates(
        store,
        reader.viewer.organisation,
        [
            {
                "left_id": s.left,
                "right_id": s.right,
                "score": s.score,
                "created_at": judgments.now(),
            }
            for s in queued
        ],
    )
    return XrefRun(found, accepted, queued)


def pending(reader: Reader, suggestions: Iterable[Suggestion]) -> list[Suggestion]:
    resolution = resolve(reader)
    return [
        s
        for s in suggestions
        if s.key not in resolution.judgments and resolution.of(s.left) != resolution.of(s.right)
    ]


def queue(store: Store, reader: Reader, index: Index, review: float = REVIEW) -> list[Suggestion]:
    """The organisation's queue as the viewer may see it now, best first."""
    blocker = Blocker(index, frozenset(reader.marking_ids))
    out = []
    for row in sql.candidates(store, reader.viewer.organisation):
        a, b = index.by_id.get(row["left_id"]), index.by_id.get(row["right_id"])
        if a is None or b is None:
            continue
        found = blocker.score_pair(a, b)
        if found is None or (found.score < review and found.rule is None):
            continue
        out.append(found)
    out = pending(reader, out)
    out.sort(key=lambda s: (-s.score, s.left, s.right))
    return out
