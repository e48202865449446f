"""The resolver: judgments in, canonical entities out, for one viewer.

The judgments a viewer may see (their marking passes, both entities exist for it) are
reduced to the one in force per pair (``judgments.effective``); ``same`` judgments join
entities into clusters in the order they were made, unless a ``different`` judgment in
force stands between the two clusters (or their visible schemata cannot be one thing).

A cluster's canonical id is ``wkc-`` and a digest of its members' ids — only members the
viewer may see make a cluster, so the id is computed from visible ids alone and reveals
no hidden member (two viewers who see different members see different ids).

``ResolvedReader`` wraps the viewer's ``Reader``: a canonical entity is the union of its
members' visible statements, each keeping its entity id (FtM's ``referents``), source,
grading and marking; links to a member point at its canonical id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from followthemoney import Statement, StatementEntity, model

from watchkeeper.investigations.judgments import (
    Judgment,
    _compatible,
    effective,
    existing,
    visible,
)
from watchkeeper.screening.index import Visible
from watchkeeper.screening.score import Match
from watchkeeper.store.reader import DATASET, EntityView, Reader, SearchResult, StatementView

PREFIX = "wkc-"


def canonical_id(members: Sequence[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(members)).encode()).hexdigest()
    return PREFIX + digest[:24]


@dataclass
class Resolution:
    """Clusters of one viewer: member -> canonical id, canonical id -> members."""

    canonical: dict[str, str] = field(default_factory=dict)
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    judgments: dict[tuple[str, str], Judgment] = field(default_factory=dict)

    def of(self, entity_id: str) -> str:
        return self.canonical.get(entity_id, entity_id)

    def group(self, entity_id: str) -> tuple[str, ...]:
        """The members behind an id (a canonical id or a member's), or the id alone."""
        cid = self.of(entity_id)
        return self.members.get(cid, (entity_id,))


class _Clusters:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def resolve(reader: Reader) -> Resolution:
    """The clusters the reader's viewer sees."""
    seen = visible(reader)
    return resolution_from(seen, reader.viewer.organisation, existing(reader, _ids(seen)))


def _ids(judgments: list[Judgment]) -> set[str]:
    return {e for j in judgments for e in j.pair}


def resolution_from(
    judgments: list[Judgment], organisation: str, schemata: dict[str, str]
) -> Resolution:
    in_force = effective(judgments, organisation)
    apart: set[tuple[str, str]] = {p for p, j in in_force.items() if j.verdict == "different"}
    clusters = _Clusters()
    members: dict[str, set[str]] = {}
    for pair, judgment in sorted(in_force.items(), key=lambda kv: (kv[1].decided_at, kv[1].id)):
        if judgment.verdict != "same":
            continue
        ra, rb = clusters.find(pair[0]), clusters.find(pair[1])
        if ra == rb:
            continue
        left = members.get(ra, {ra})
        right = members.get(rb, {rb})
        if any((min(a, b), max(a, b)) in apart for a in left for b in right):
            continue  # a "different" in force stands between the two clusters
        if not all(_compatible(schemata[a], schemata[b]) for a in left for b in right):
            continue
        clusters.union(ra, rb)
        root = clusters.find(ra)
        members[root] = left | right
        for gone in (ra, rb):
            if gone != root:
                members.pop(gone, None)
    out = Resolution(judgments=in_force)
    for group in members.values():
        cid = canonical_id(sorted(group))
        out.members[cid] = tuple(sorted(group))
        for member in group:
            out.canonical[member] = cid
    return out


# -- reading canonical entities ------------------------------------------------------------


class ResolvedReader(Reader):
    """The viewer's read path, with members of a cluster read as one canonical entity.

    A ``Reader`` (it can stand wherever one is expected: ``views``, ``exports``, alerts):
    it takes over the wrapped reader's state, so the visibility filter, sources and
    counts are the wrapped reader's own; only the entity reads below are resolved."""

    def __init__(self, reader: Reader, resolution: Resolution | None = None) -> None:
        self.__dict__.update(reader.__dict__)
        self.reader = reader
        self.resolution = resolution if resolution is not None else resolve(reader)

    def _rewrite(self, sv: StatementView, cid: str | None) -> StatementView:
        stmt = sv.statement
        value = stmt.value
        if stmt.prop_type == "entity":
            value = self.resolution.of(value)
        if cid is None and value == stmt.value:
            return sv
        new = Statement(
            id=stmt.id,
            entity_id=stmt.entity_id,
            prop=stmt.prop,
            schema=stmt.schema,
            value=value,
            dataset=stmt.dataset,
            lang=stmt.lang,
            original_value=stmt.original_value,
            first_seen=stmt.first_seen,
            last_seen=stmt.last_seen,
            canonical_id=cid,
        )
        return replace(sv, statement=new)

    def _merged(self, cid: str | None, views: list[EntityView]) -> EntityView:
        statements = [self._rewrite(sv, cid) for v in views for sv in v.statements]
        if cid is None and all(
            a is b for a, b in zip(statements, views[0].statements, strict=False)
        ):
            return views[0]  # in no cluster and linking to none: as the reader gave it
        current = [sv for sv in statements if sv.ended_at is None] or statements
        entity = StatementEntity.from_statements(DATASET, [sv.statement for sv in current])
        return EntityView(entity, statements)

    def _expand(self, entity_ids: Sequence[str]) -> list[str]:
        out: dict[str, None] = {}
        for entity_id in entity_ids:
            for member in self.resolution.group(entity_id):
                out[member] = None
        return list(out)

    def entities(
        self, entity_ids: Sequence[str] | None = None, include_ended: bool = False
    ) -> Iterator[EntityView]:
        """Canonical entities (and entities in no cluster, as they are)."""
        wanted = None if entity_ids is None else self._expand(entity_ids)
        pending: dict[str, list[EntityView]] = {}
        for view in self.reader.entities(wanted, include_ended=include_ended):
            cid = self.resolution.canonical.get(view.id)
            if cid is None:
                yield self._merged(None, [view])
                continue
            pending.setdefault(cid, []).append(view)
            if len(pending[cid]) == len(self.resolution.members[cid]):
                yield self._merged(cid, pending.pop(cid))
        for cid, views in sorted(pending.items()):
            # a member without current statements (include_ended off) is simply absent
            yield self._merged(cid, views)

    def entity(self, entity_id: str, include_ended: bool = True) -> EntityView | None:
        for found in self.entities([entity_id], include_ended=include_ended):
            return found
        return None

    def statements(
        self, entity_ids: Sequence[str] | None = None, include_ended: bool = False
    ) -> Iterator[StatementView]:
        wanted = None if entity_ids is None else self._expand(entity_ids)
        for sv in self.reader.statements(wanted, include_ended=include_ended):
            yield self._rewrite(sv, self.resolution.canonical.get(sv.statement.entity_id))

    def referencing(self, entity_id: str, include_ended: bool = False) -> list[EntityView]:
        ids: dict[str, None] = {}
        for member in self.resolution.group(entity_id):
            for view in self.reader.referencing(member, include_ended):
                ids[self.resolution.of(view.id)] = None
        return list(self.entities(list(ids), include_ended)) if ids else []

    def entity_ids(self, schema: str) -> list[str]:
        return sorted({self.resolution.of(i) for i in self.reader.entity_ids(schema)})

    def search(
        self, text: str, schema: str | None = None, limit: int = 20, offset: int = 0
    ) -> SearchResult:
        """As ``Reader.search``, with the members of a cluster counted and shown once.

        Only as many matches are read as the page can need: merging takes out at most
        one entity per member beyond the first of each cluster (``spare``), so the first
        ``offset + limit + spare`` matches hold the page's canonical entities. The total
        is exact when every match was read; beyond, it is the stored matches less the
        duplicates among those read (an upper bound: more members may be further on)."""
        spare = sum(len(m) - 1 for m in self.resolution.members.values())
        window = self.reader.search(text, schema=schema, limit=offset + limit + spare)
        ids = list(dict.fromkeys(self.resolution.of(v.id) for v in window.results))
        total = window.total - (len(window.results) - len(ids))
        found = {e.id: e for e in self.entities(ids[offset : offset + limit])}
        results = [found[i] for i in ids[offset : offset + limit] if i in found]
        results.sort(key=lambda e: (not e.caption.lower().startswith(text.lower()), e.caption))
        return SearchResult(total, results)

    def stats(self) -> dict[str, Any]:
        """As ``Reader.stats``, with a cluster counted once as an entity."""
        data = self.reader.stats()
        merged = 0
        by_schema: dict[str, int] = dict(data["schemata"])
        for members in self.resolution.members.values():
            merged += len(members) - 1
            schemata = [s for s in existing(self.reader, members).values()]
            for schema in schemata:
                by_schema[schema] = by_schema.get(schema, 0) - 1
            common = schemata[0]
            for other in schemata[1:]:
                common = model.common_schema(common, other).name
            by_schema[common] = by_schema.get(common, 0) + 1
        data["entities"] = data["entities"] - merged
        data["schemata"] = dict(
            sorted(
                ((k, v) for k, v in by_schema.items() if v > 0),
                key=lambda kv: (-kv[1], kv[0]),
            )
        )
        data["canonical"] = len(self.resolution.members)
        return data


# -- screening hits ------------------------------------------------------------------------


def merge_matches(matches: list[Match], resolution: Resolution) -> list[Match]:
    """Screening hits with the members of one cluster as one hit: the best member's score
    and explanation, every member's names, identifiers, datasets and list ids, under the
    canonical id (so one hit lists ``UN:KPi.038`` and ``OFAC:20577``)."""
    groups: dict[str, list[Match]] = {}
    for match in matches:
        groups.setdefault(resolution.of(match.entity.id), []).append(match)
    out = []
    for cid, found in groups.items():
        if len(found) == 1 and cid == found[0].entity.id:
            out.append(found[0])
            continue
        best = max(found, key=lambda m: (m.score, m.entity.id))
        members = sorted(m.entity.id for m in found)

        def union(attr: str, found: list[Match] = found) -> tuple[Any, ...]:
            return tuple(dict.fromkeys(v for m in found for v in getattr(m.entity, attr)))

        entity = Visible(
            cid,
            best.entity.schema,
            (*best.entity.names, *(n for n in union("names") if n not in best.entity.names)),
            union("ids"),
            union("dates"),
            union("countries"),
            tuple(sorted(set(union("datasets")))),
            tuple(sorted(set(union("list_ids")))),
            union("programs"),
        )
        why = (*best.explanation, f"one entity: {', '.join(members)}")
        out.append(replace(best, entity=entity, explanation=why))
    out.sort(key=lambda m: (-m.score, m.entity.id))
    return out
