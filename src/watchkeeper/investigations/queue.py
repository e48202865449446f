"""The review queue: an xref run for one viewer, its automatic acceptances, and the pairs
left for a reviewer.

The queue stores only which pairs to look at; when it is read, each pair is scored again
on what the viewer may see now (a pair whose evidence has since been re-marked away
drops out), and pairs already judged or already in one cluster are skipped. ``items``
gives each pair with both sides' key facts (names, dates, countries, identifiers, list
ids, programmes, datasets: only what the viewer may see); ``facets`` and ``select``
filter and order them for a reviewer working through hundreds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from watchkeeper.errors import InputError
from watchkeeper.investigations import judgments
from watchkeeper.investigations.resolver import resolve
from watchkeeper.investigations.xref import (
    REVIEW,
    THRESHOLD,
    Blocker,
    Suggestion,
    exclusive,
    shared_list_ids,
    xref,
)
from watchkeeper.screening.index import Index, visible
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
    progress: Callable[[str, int, int], None] | None = None,
) -> XrefRun:
    """Cross-reference what the reader's viewer may see; accept strong-identifier pairs
    automatically (``automatic``); put the rest up for review. Pairs carrying the same
    list id are found even where blocking by name would not pair them."""
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
    if progress:
        progress("accepting", 0, len(found))
    seen = {s.key for s in found}
    chosen = set(datasets) if datasets else None
    for s in shared_list_ids(index, marks):
        if s.key in seen:
            continue
        if chosen is not None and not all(_datasets(index, e, marks) & chosen for e in s.key):
            continue
        found.append(s)
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


def _datasets(index: Index, entity_id: str, marks: frozenset[int]) -> set[str]:
    idx = index.by_id.get(entity_id)
    found = visible(index.entities[idx], marks) if idx is not None else None
    return set(found.datasets) if found is not None else set()


def pending(reader: Reader, suggestions: Iterable[Suggestion]) -> list[Suggestion]:
    resolution = resolve(reader)
    return [
        s
        for s in suggestions
        if s.key not in resolution.judgments and resolution.of(s.left) != resolution.of(s.right)
    ]


def scored(store: Store, reader: Reader, index: Index, review: float = REVIEW) -> list[Suggestion]:
    """The organisation's candidate pairs scored again on what the viewer may see now,
    best first (judged ones included: ``pending`` leaves them out)."""
    blocker = Blocker(index, frozenset(reader.marking_ids))
    found = []
    for row in sql.candidates(store, reader.viewer.organisation):
        a, b = index.by_id.get(row["left_id"]), index.by_id.get(row["right_id"])
        if a is None or b is None:
            continue
        pair = blocker.score_pair(a, b)
        if pair is not None:
            found.append(pair)

    def datasets_of(entity_id: str) -> tuple[str, ...]:
        seen = blocker.entity(index.by_id[entity_id])
        return seen.datasets if seen is not None else ()

    # the cross-pair rule as xref applies it, among the pairs the viewer sees now
    out = [s for s in exclusive(found, datasets_of) if s.score >= review or s.rule is not None]
    out.sort(key=lambda s: (-s.score, s.left, s.right))
    return out


def queue(store: Store, reader: Reader, index: Index, review: float = REVIEW) -> list[Suggestion]:
    """The organisation's queue as the viewer may see it now, best first."""
    return pending(reader, scored(store, reader, index, review))


# -- reading the queue: both sides' key facts, filters, order, pages -----------------------

# Score bands a reviewer can choose (lowest score first in each; the top band holds 1.0).
BANDS = {
    "0.95-1.00": (0.95, 1.01),
    "0.85-0.95": (0.85, 0.95),
    "0.70-0.85": (0.70, 0.85),
}
SORTS = ("score", "score-asc", "name", "dataset")
FILTERS = ("programme", "country", "dataset", "band", "schema")


@dataclass(frozen=True)
class Side:
    """What the viewer may see of one side of a pair, as a reviewer compares it."""

    id: str
    schema: str
    caption: str
    names: tuple[str, ...]
    dates: tuple[str, ...]
    countries: tuple[str, ...]
    ids: tuple[str, ...]
    list_ids: tuple[str, ...]
    programmes: tuple[str, ...]
    datasets: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    suggestion: Suggestion
    left: Side
    right: Side

    def values(self, facet: str) -> set[str]:
        """The pair's values for a filter: either side's."""
        if facet == "band":
            return {
                band for band, (low, high) in BANDS.items() if low <= self.suggestion.score < high
            }
        attr = {
            "programme": "programmes",
            "country": "countries",
            "dataset": "datasets",
            "schema": "schema",
        }[facet]
        out: set[str] = set()
        for side in (self.left, self.right):
            found = getattr(side, attr)
            out.update((found,) if isinstance(found, str) else found)
        return out


def _programmes(store: Store, reader: Reader, ids: list[str]) -> dict[str, set[str]]:
    """The programmes of the Sanctions the viewer may see of each entity (one read)."""
    out: dict[str, set[str]] = {}
    if not ids:
        return out
    wanted = set(ids)
    sanctions = sorted(store.linking(ids, ["entity"]))
    for view in reader.entities(sanctions) if sanctions else []:
        if view.schema != "Sanction":
            continue
        for target in view.entity.get("entity"):
            if target in wanted:
                out.setdefault(target, set()).update(view.entity.get("program"))
    return out


def items(store: Store, reader: Reader, index: Index, review: float = REVIEW) -> list[Item]:
    """The organisation's candidate pairs as the viewer may see them now (``scored``),
    each with both sides' key facts; pairs with a side the viewer's reader does not find
    (an entity that exists for it no more) are left out. Judged pairs are still in:
    ``undecided`` takes them out (it is cheap, and judgments come one at a time)."""
    found = scored(store, reader, index, review)
    ids = sorted({e for s in found for e in s.key})
    present = {v.id for v in reader.entities(ids)} if ids else set()
    programmes = _programmes(store, reader, sorted(present))
    marks = frozenset(reader.marking_ids)
    sides: dict[str, Side] = {}
    for entity_id in present:
        entity = visible(index.entities[index.by_id[entity_id]], marks)
        if entity is None:
            continue
        sides[entity_id] = Side(
            entity.id,
            entity.schema,
            entity.caption,
            entity.names,
            entity.dates,
            entity.countries,
            tuple(f"{kind}:{value}" for kind, value in entity.ids),
            entity.list_ids,
            tuple(sorted(programmes.get(entity_id, ()))),
            entity.datasets,
        )
    return [
        Item(s, sides[s.left], sides[s.right])
        for s in found
        if s.left in sides and s.right in sides
    ]


def undecided(reader: Reader, found: list[Item]) -> list[Item]:
    """The items whose pair has no judgment in force and is not in one cluster yet."""
    left = {s.key for s in pending(reader, [item.suggestion for item in found])}
    return [item for item in found if item.suggestion.key in left]


def facets(found: list[Item]) -> dict[str, list[tuple[str, int]]]:
    """Each filter's values over ``found``, with how many pairs have each, most first."""
    out: dict[str, list[tuple[str, int]]] = {}
    for facet in FILTERS:
        counts: dict[str, int] = {}
        for item in found:
            for value in item.values(facet):
                counts[value] = counts.get(value, 0) + 1
        out[facet] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return out


def select(found: list[Item], filters: dict[str, str], sort: str = "score") -> list[Item]:
    """The pairs matching every filter given (``FILTERS``: a pair matches when either
    side does), in the order asked (``SORTS``)."""
    for facet, value in filters.items():
        if facet not in FILTERS:
            raise InputError("filter", f"filter by one of {', '.join(FILTERS)}", facet)
        if value:
            found = [item for item in found if value in item.values(facet)]
    if sort not in SORTS:
        raise InputError("sort", f"sort by one of {', '.join(SORTS)}", sort)

    def key_of(item: Item) -> tuple[Any, ...]:
        s = item.suggestion
        if sort == "score-asc":
            return (s.score, s.left, s.right)
        if sort == "name":
            return (item.left.caption.casefold(), item.right.caption.casefold(), s.key)
        if sort == "dataset":
            return (item.left.datasets, item.right.datasets, -s.score, s.key)
        return (-s.score, s.left, s.right)

    return sorted(found, key=key_of)
