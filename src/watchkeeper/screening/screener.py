"""The screening API: queries in, explained matches out, as one viewer may see them.

    screener = Screener(index, store, viewer)
    for match in screener.match(Query("q1", "Person", ("김정은",))):
        print(match.entity.caption, match.score, match.explain())

Reviewers' decisions (``decide``) are kept per organisation: a dismissed hit is not raised
again for the same query id unless the listed entity, as that organisation sees it,
changes (its fingerprint).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from watchkeeper.errors import InputError, NotFound
from watchkeeper.model.marking import Viewer
from watchkeeper.screening.index import ID_KINDS, Index, Visible, entity_keys, visible
from watchkeeper.screening.score import THRESHOLD, Match, Query, score
from watchkeeper.store.core import Store

DECISIONS = ("confirmed", "dismissed")


def fingerprint(entity: Visible) -> str:
    facts = (
        entity.schema,
        entity.names,
        entity.ids,
        entity.dates,
        entity.countries,
        entity.list_ids,
    )
    return hashlib.sha256(repr(facts).encode()).hexdigest()[:32]


class Screener:
    """Screening for one viewer. Holds no connection: it can be pickled to Spark workers
    or inherited by forked batch workers; ``decide`` needs the store and the viewer."""

    def __init__(
        self,
        index: Index,
        marking_ids: frozenset[int],
        decisions: list[dict[str, str]] | None = None,
    ) -> None:
        self.index = index
        self.marking_ids = marking_ids
        self.view = index.view(marking_ids)
        self._decisions = {(d["query_id"], d["entity_id"]): d for d in decisions or []}
        # The decisions as read from the store when this screener was made (``decide``
        # adds to ``_decisions``): two screeners read the same when these are equal.
        self.read_decisions = self.decisions_key(decisions or [])
        # Moves with every ``decide`` here: what an answer derived from this screener's
        # decisions is keyed on as well as on the screener itself.
        self.decided = 0
        # Set by the caller to read hits as canonical entities (investigations'
        # ``merge_matches`` bound to the viewer's resolution); picklable.
        self.merge: Callable[[list[Match]], list[Match]] | None = None

    @staticmethod
    def decisions_key(decisions: list[dict[str, str]]) -> tuple[tuple[tuple[str, str], ...], ...]:
        """Review decisions as a comparable value (``read_decisions``)."""
        return tuple(sorted(tuple(sorted(d.items())) for d in decisions))

    @classmethod
    def for_viewer(cls, index: Index, store: Store, viewer: Viewer) -> Screener:
        return cls(
            index,
            frozenset(store.visible_marking_ids(viewer)),
            store.decisions(viewer.organisation),
        )

    def restricted(self) -> Screener:
        """This screener over a copy of the index holding only what its viewer may see:
        what is shipped to Spark executors, which may be other machines."""
        return Screener(
            self.index.restricted(self.marking_ids),
            self.marking_ids,
            list(self._decisions.values()),
        )

    def entity(self, entity_id: str) -> Visible:
        idx = self.index.by_id.get(entity_id)
        found = visible(self.index.entities[idx], self.marking_ids) if idx is not None else None
        if found is None:
            raise NotFound(f"no entity {entity_id!r}")
        return found

    def match(
        self,
        query: Query,
        limit: int = 5,
        threshold: float = THRESHOLD,
        include_dismissed: bool = False,
        effects: Mapping[str, float] | None = None,
        fuzzy: bool = True,
    ) -> list[Match]:
        """The best ``limit`` candidates for ``query``, scored, best first; ``effects``
        scale the evidence other than names (``score.EFFECTS``); ``fuzzy`` also retrieves
        through listed words a typing error or two from the query's (``fuzzy_keys``)."""
        readings = query.readings()
        if not readings and not query.ids:
            raise InputError("query", "it has no usable name or identifier", query.id)
        ids = [(k, v) for k, v in query.ids if k != "*"]
        ids += [(kind, v) for k, v in query.ids if k == "*" for kind in ID_KINDS]
        keys = entity_keys(query.names, ids, False)
        keys |= entity_keys(query.names, (), True)
        results: list[Match] = []
        near = self.view.fuzzy_keys(keys) if fuzzy else set()
        for idx in self.view.candidates(keys, max(limit * 4, 20), fuzzy=near):
            entity = visible(self.index.entities[idx], self.marking_ids)
            if entity is None:
                continue
            found = score(query, readings, entity, self.view.weight, threshold, effects)
            if found is None:
                continue
            decision = self._decisions.get((query.id, entity.id))
            if decision is not None:
                current = decision["fingerprint"] == fingerprint(entity)
                if decision["decision"] == "dismissed" and current and not include_dismissed:
                    continue
                label = (
                    decision["decision"] if current else f"{decision['decision']} (entity changed)"
                )
                found = replace(found, explanation=(*found.explanation, f"review: {label}"))
            results.append(found)
        results.sort(key=lambda m: (-m.score, m.entity.id))
        if self.merge is not None:
            results = self.merge(results)
        return results[:limit]

    def decide(
        self,
        store: Store,
        viewer: Viewer,
        query_id: str,
        entity_id: str,
        decision: str,
        reason: str,
        by: str,
    ) -> dict[str, str]:
        if decision not in DECISIONS:
            raise InputError("decision", f"must be one of {', '.join(DECISIONS)}", decision)
        if not reason.strip():
            raise InputError("decision", "a reason is required", f"{query_id}/{entity_id}")
        entity = self.entity(entity_id)
        row = {
            "organisation": viewer.organisation,
            "query_id": query_id,
            "entity_id": entity.id,
            "decision": decision,
            "reason": reason.strip(),
            "decided_by": by,
            "decided_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "fingerprint": fingerprint(entity),
        }
        store.record_decision(row)
        self._decisions[(query_id, entity.id)] = row
        self.decided += 1
        return row
