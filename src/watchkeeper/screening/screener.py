"""The screening API: queries in, explained matches out, as one viewer may see them.

    screener = Screener(index, store, viewer)
    for match in screener.match(Query("q1", "Person", ("김정은",))):
        print(match.entity.caption, match.score, match.explain())

Reviewers' decisions (``decide``, ``reopen``) are kept per organisation in an append-only
log, each bound to the record screened and to the candidate's version as that
organisation sees it (``review``). A hit is never hidden by a decision: one that holds
(same record, candidate unchanged) is shown with it (``Match.review``); a different
record or a changed candidate is screened afresh. ``replay`` scores a decision's record
again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from watchkeeper.errors import InputError, NotFound
from watchkeeper.model.marking import Viewer
from watchkeeper.screening.index import ID_KINDS, Index, Visible, entity_keys, visible
from watchkeeper.screening.review import (
    CANDIDATE_CHANGED,
    HOLDS,
    ID_ONLY,
    OTHER_RECORD,
    REOPENED,
    VERDICTS,
    Review,
    config_digest,
    record_hash,
    record_of,
    record_query,
)
from watchkeeper.screening.score import THRESHOLD, Match, Query, compatible, score
from watchkeeper.store.core import Store

DECISIONS = VERDICTS


def fingerprint(entity: Visible) -> str:
    """The candidate's version as one viewer sees it: a digest of the facts screening
    compares (schema, names, identifiers, birth dates, countries, list ids). A decision
    holds while it is unchanged."""
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
        decisions: list[dict[str, Any]] | None = None,
    ) -> None:
        self.index = index
        self.marking_ids = marking_ids
        self.view = index.view(marking_ids)
        # The organisation's decision log, oldest first, by (query id, entity id).
        self._decisions: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for d in decisions or []:
            self._decisions.setdefault((d["query_id"], d["entity_id"]), []).append(d)
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
    def decisions_key(decisions: list[dict[str, Any]]) -> tuple[int, ...]:
        """Review decisions as a comparable value (``read_decisions``): the log is
        append-only, so its row ids say what it holds."""
        return tuple(sorted(int(d["id"]) for d in decisions))

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
            [d for rows in self._decisions.values() for d in rows],
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
        effects: Mapping[str, float] | None = None,
        fuzzy: bool = True,
    ) -> list[Match]:
        """The best ``limit`` candidates for ``query``, scored, best first; ``effects``
        scale the evidence other than names (``score.EFFECTS``); ``fuzzy`` also retrieves
        through listed words a typing error or two from the query's (``fuzzy_keys``)."""
        readings = query.readings()
        results: list[Match] = []
        query_hash: str | None = None
        for entity in self.candidates(query, limit, fuzzy):
            found = score(query, readings, entity, self.view.weight, threshold, effects)
            if found is None:
                continue
            if query_hash is None:
                query_hash = record_hash(query)
            review = self.review(query.id, query_hash, entity)
            if review is not None:
                found = replace(
                    found,
                    explanation=(*found.explanation, f"review: {review.describe()}"),
                    review=review,
                )
            results.append(found)
        results.sort(key=lambda m: (-m.score, m.entity.id))
        if self.merge is not None:
            results = self.merge(results)
        return results[:limit]

    def candidates(self, query: Query, limit: int = 5, fuzzy: bool = True) -> list[Visible]:
        """The entities ``match`` scores for ``query`` with the same ``limit`` and
        ``fuzzy``, in retrieval order: retrieved, visible to this viewer and of a schema
        the query's can match. The benchmark gives another scorer exactly these, so that
        both are compared on the same candidates."""
        if not query.readings() and not query.ids:
            raise InputError("query", "it has no usable name or identifier", query.id)
        ids = [(k, v) for k, v in query.ids if k != "*"]
        ids += [(kind, v) for k, v in query.ids if k == "*" for kind in ID_KINDS]
        keys = entity_keys(query.names, ids, False)
        keys |= entity_keys(query.names, (), True)
        near = self.view.fuzzy_keys(keys) if fuzzy else set()
        out = []
        for idx in self.view.candidates(keys, max(limit * 4, 20), fuzzy=near):
            entity = visible(self.index.entities[idx], self.marking_ids)
            if entity is not None and compatible(query.schema, entity.schema):
                out.append(entity)
        return out

    def review(self, query_id: str, query_hash: str, entity: Visible) -> Review | None:
        """How the latest decision on (this record, this candidate) stands, if any: it
        holds when taken on the same record and the candidate is unchanged. A reopening
        is shown as such; a decision on another record with the same id is shown as one
        that does not hold."""
        rows = self._decisions.get((query_id, entity.id))
        if not rows:
            return None
        same = [d for d in rows if d["record_hash"] == query_hash]
        if not same:
            return Review(rows[-1], ID_ONLY if not rows[-1]["record_hash"] else OTHER_RECORD)
        latest = same[-1]
        if latest["decision"] == "reopened":
            return Review(latest, REOPENED)
        if latest["fingerprint"] != fingerprint(entity):
            return Review(latest, CANDIDATE_CHANGED)
        return Review(latest, HOLDS)

    def decide(
        self,
        store: Store,
        viewer: Viewer,
        query: Query | str,
        entity_id: str,
        decision: str,
        reason: str,
        by: str,
        supersedes: int | None = None,
    ) -> dict[str, Any]:
        """Record a verdict on a hit, bound to the record screened (``query``; a bare
        query id binds it to that id alone, as before records were kept) and to the
        candidate as ``viewer`` sees it, with the score, explanation, list releases and
        configuration that replay it. It supersedes the latest decision on the pair."""
        query_id = query if isinstance(query, str) else query.id
        if decision not in DECISIONS:
            raise InputError("decision", f"must be one of {', '.join(DECISIONS)}", decision)
        if not reason.strip():
            raise InputError("decision", "a reason is required", f"{query_id}/{entity_id}")
        entity = self.entity(entity_id)
        found = None
        if isinstance(query, Query):
            if not query.readings() and not query.ids:
                raise InputError("decision", "the record has no name or identifier", query_id)
            found = score(query, query.readings(), entity, self.view.weight, THRESHOLD)
        digest = record_hash(query) if isinstance(query, Query) else ""
        earlier = self._decisions.get((query_id, entity.id), [])
        same = [d for d in earlier if d["record_hash"] == digest]
        row: dict[str, Any] = {
            "organisation": viewer.organisation,
            "query_id": query_id,
            "record_hash": digest,
            "entity_id": entity.id,
            "decision": decision,
            "reason": reason.strip(),
            "decided_by": by,
            "decided_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "fingerprint": fingerprint(entity),
            "record": json.dumps(record_of(query), ensure_ascii=False)
            if isinstance(query, Query)
            else "",
            "score": found.score if found is not None else None,
            "explanation": found.explain() if found is not None else "",
            "release": releases(store, viewer, entity),
            "config": config_digest(THRESHOLD),
            "supersedes": supersedes or (same[-1]["id"] if same else None),
        }
        row = store.record_decision(row)
        self._decisions.setdefault((query_id, entity.id), []).append(row)
        self.decided += 1
        return row

    def reopen(
        self, store: Store, viewer: Viewer, earlier: Mapping[str, Any], reason: str, by: str
    ) -> dict[str, Any]:
        """A new decision that supersedes ``earlier`` (one of the organisation's, from
        ``Store.decisions``): the hit is to be reviewed again. Nothing is deleted."""
        query = record_query(earlier["query_id"], earlier["record"])
        return self.decide(
            store,
            viewer,
            query if query is not None else earlier["query_id"],
            earlier["entity_id"],
            "reopened",
            reason,
            by,
            supersedes=int(earlier["id"]),
        )

    def replay(self, decision: Mapping[str, Any]) -> Match | None:
        """The decision's record scored again against its candidate as this screener's
        viewer sees it now, under the default configuration: on the data release the
        decision was made on, the same score and explanation come back. None for a
        decision from before records were kept, or a candidate no longer visible."""
        query = record_query(str(decision["query_id"]), str(decision["record"]))
        idx = self.index.by_id.get(str(decision["entity_id"]))
        entity = visible(self.index.entities[idx], self.marking_ids) if idx is not None else None
        if query is None or entity is None:
            return None
        return score(query, query.readings(), entity, self.view.weight, THRESHOLD)


def visible_log(screener: Screener, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The decisions of ``rows`` on entities the screener's viewer may see now: nothing
    is shown of an entity re-marked out of its reach since a decision on it."""
    out = []
    for row in rows:
        try:
            screener.entity(row["entity_id"])
        except NotFound:
            continue
        out.append(row)
    return out


def releases(store: Store, viewer: Viewer, entity: Visible) -> str:
    """The newest release of each list the candidate comes from that ``viewer`` may see:
    ``dataset=source id``, ``;``-separated."""
    newest: dict[str, str] = {}
    for source in store.read(viewer).sources():  # ordered by dataset, then date
        if source["dataset"] in entity.datasets:
            newest[source["dataset"]] = source["id"]
    return ";".join(f"{k}={v}" for k, v in sorted(newest.items()))
