"""Network queries in SQL: recursive walks over relationship statements, filtered by the
viewer's visibility exactly as the Reader filters (``Reader.visible()`` is the WHERE
clause of every statement read here), on SQLite and PostgreSQL alike.

The graph is read off statements, with no table of its own:

- a relationship entity (Ownership, Directorship, ... : ``RELATIONSHIPS``) links the
  values of its two endpoint properties (``owner`` and ``asset``...);
- a direct link property (a Vessel's ``owner`` and ``operator``: ``DIRECT``) links the
  entity holding it and its value;
- a Sanction's ``entity`` marks its value as sanctioned.

A walk goes level by level, in one query per level (and per thousand nodes): from the
nodes reached last to every link statement touching them, by its value (the partial
index of links) or by its entity id, and then, for a relationship, to the relationship's
other endpoint. Relationship types and dates filter the step itself, so a filtered-out
link is not walked through. Reads that start from given nodes filter statements by their
markings in SQL and check the existence rule (``Reader.existing_among``) on the ids the
rows bring, which stays near those nodes; whole-store reads (the 50 % rule's ownerships,
every sanction) use ``Reader.visible()``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from followthemoney import model
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from watchkeeper.store import schema as t
from watchkeeper.store.reader import ID_CHUNK

if TYPE_CHECKING:
    from watchkeeper.store.reader import Reader

RELATIONSHIPS = (
    "Ownership",
    "Directorship",
    "Membership",
    "Employment",
    "Family",
    "Associate",
    "Representation",
    "UnknownLink",
    "Succession",
)
# Direct link properties: (schema, property) pairs, walked both ways.
DIRECT = (("Vessel", "owner"), ("Vessel", "operator"))
DIRECT_TYPES = {f"{schema}.{prop}": (schema, prop) for schema, prop in DIRECT}


def endpoints(schema: str) -> tuple[str, str]:
    found = model.get(schema)
    assert found is not None and found.source_prop is not None and found.target_prop is not None
    return found.source_prop.name, found.target_prop.name


_THING = model.get("Thing")
assert _THING is not None
THINGS = sorted({d.name for d in _THING.descendants} | {_THING.name})
ENDPOINTS = sorted({p for s in RELATIONSHIPS for p in endpoints(s)})


@dataclass(frozen=True)
class Edge:
    """One link between two nodes: through a relationship entity (``via``), or a direct
    property of ``source`` (then ``via`` is ``source``)."""

    source: str
    target: str
    via: str
    kind: str
    """The relationship's schema (``Ownership``) or the direct property (``Vessel.owner``)."""
    source_prop: str
    target_prop: str


class GraphSQL:
    """Network reads for one viewer, through its Reader's visibility filter."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.engine = reader.store.engine
        self._known: dict[str, bool] = {}

    # -- the pieces of a step ----------------------------------------------------------

    def _kinds(self, kinds: Collection[str] | None) -> tuple[list[str], list[tuple[str, str]]]:
        if kinds is None:
            return list(RELATIONSHIPS), list(DIRECT)
        rels = [k for k in kinds if k in RELATIONSHIPS]
        direct = [DIRECT_TYPES[k] for k in kinds if k in DIRECT_TYPES]
        return rels, direct

    def _direct(self, s1: Any, direct: list[tuple[str, str]]) -> ColumnElement[bool]:
        if not direct:
            return literal(False)
        return or_(*(and_(s1.c.schema == s, s1.c.prop == p) for s, p in direct))

    def _exist(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` exist for the viewer, remembered for this object's life (one
        request): the existence walk starts from the ids at hand instead of evaluating
        the whole store's existence for every query."""
        wanted = set(ids)
        unknown = wanted - self._known.keys()
        if unknown:
            found = self.reader.existing_among(unknown)
            for entity_id in unknown:
                self._known[entity_id] = entity_id in found
        return {i for i in wanted if self._known[i]}

    def _links(
        self,
        chunk: list[str],
        kinds: Collection[str] | None,
        since: str | None,
        until: str | None,
    ) -> Iterator[Edge]:
        """The visible links touching the nodes of ``chunk``: a relationship through one
        of its endpoints, a direct property from either side. Statements are filtered by
        their own markings in SQL; the existence of the entities they join (the link, its
        holder, both ends) is checked on the ids the rows bring."""
        rels, direct = self._kinds(kinds)
        rows: list[Edge] = []
        with self.engine.connect() as conn:
            if rels:
                query = self._relationships(
                    rels, since, until, lambda s1: s1.c.value.in_(chunk), self.reader.allowed
                )
                rows.extend(_relationship_edge(*row) for row in conn.execute(query))
            if direct:
                d = aliased(t.statement)
                # by value, then by holder: two index searches (SQLite scans the whole
                # table for the OR of the two)
                seen: set[tuple[str, str, str, str]] = set()
                for touching in (d.c.value.in_(chunk), d.c.entity_id.in_(chunk)):
                    direct_query = select(d.c.entity_id, d.c.schema, d.c.prop, d.c.value).where(
                        d.c.prop_type == "entity",
                        touching,
                        self._direct(d, direct),
                        self.reader.allowed(d),
                    )
                    for holder, schema, prop, value in conn.execute(direct_query):
                        if (holder, schema, prop, value) not in seen:
                            seen.add((holder, schema, prop, value))
                            rows.append(Edge(holder, value, holder, f"{schema}.{prop}", "id", prop))
        real = self._exist(i for e in rows for i in (e.source, e.target, e.via))
        yield from (e for e in rows if e.source in real and e.target in real and e.via in real)

    def _relationships(
        self,
        rels: list[str],
        since: str | None,
        until: str | None,
        first: Callable[[Any], ColumnElement[bool]],
        shown: Callable[[Any], ColumnElement[bool]],
    ) -> Select[Any]:
        """Rows (relationship id, schema, prop, value, other prop, other value): an
        endpoint statement chosen by ``first`` and the relationship's other endpoint,
        both passing ``shown`` (markings only, or the whole visibility rule)."""
        s1, s2 = aliased(t.statement), aliased(t.statement)
        return select(
            s1.c.entity_id, s1.c.schema, s1.c.prop, s1.c.value, s2.c.prop, s2.c.value
        ).where(
            s1.c.prop_type == "entity",
            first(s1),
            s1.c.schema.in_(rels),
            s1.c.prop.in_(ENDPOINTS),
            s2.c.entity_id == s1.c.entity_id,
            s2.c.prop_type == "entity",
            s2.c.prop.in_(ENDPOINTS),
            s2.c.prop != s1.c.prop,
            self._in_time(s1, since, until),
            shown(s1),
            shown(s2),
        )

    def _in_time(self, rel: Any, since: str | None, until: str | None) -> ColumnElement[bool]:
        """The relationship ``rel`` (a statement alias) was in force at some time between
        ``since`` and ``until``: it did not start after ``until`` nor end before ``since``
        (an undated relationship is taken as in force). The relationship's own existence
        is checked with its link, so its dates need only their markings."""
        clauses: list[ColumnElement[bool]] = []
        for prop, op, bound in (("startDate", ">", until), ("endDate", "<", since)):
            if bound is None:
                continue
            d = aliased(t.statement)
            compare = d.c.value > bound if op == ">" else d.c.value < bound
            clauses.append(
                ~exists().where(
                    d.c.entity_id == rel.c.entity_id,
                    d.c.prop == prop,
                    compare,
                    self.reader.allowed(d),
                )
            )
        return and_(literal(True), *clauses)

    # -- queries -----------------------------------------------------------------------

    def seeds(self, starts: Collection[str]) -> set[str]:
        """The starts a walk begins from: those the store holds (whether they exist for
        the viewer is checked with each link the walk takes from them)."""
        if not starts:
            return set()
        st = t.statement
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(st.c.entity_id).where(st.c.entity_id.in_(sorted(starts))).distinct()
            )
            return {str(row[0]) for row in rows}

    def reach(
        self,
        starts: Sequence[str],
        hops: int,
        kinds: Collection[str] | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> dict[str, int]:
        """Every node within ``hops`` links of ``starts``, with its distance (the starts
        are at 0), walked level by level: one query per level and per chunk of its
        nodes, each step through the links of the nodes reached last."""
        depth = dict.fromkeys(self.seeds(starts), 0)
        frontier = sorted(depth)
        for level in range(1, hops + 1):
            if not frontier:
                break
            found: set[str] = set()
            wanted = set(frontier)
            for i in range(0, len(frontier), ID_CHUNK):
                chunk = frontier[i : i + ID_CHUNK]
                for edge in self._links(chunk, kinds, since, until):
                    if edge.source in wanted:
                        found.add(edge.target)
                    if edge.target in wanted:
                        found.add(edge.source)
            frontier = sorted(found - depth.keys())
            depth.update((node, level) for node in frontier)
        return depth

    def edges(
        self,
        nodes: Collection[str],
        kinds: Collection[str] | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[Edge]:
        """The links touching ``nodes`` (both ends given as they are stored: source is the
        relationship's source endpoint, or the entity holding a direct property)."""
        found: dict[tuple[str, str, str], Edge] = {}
        ordered = sorted(nodes)
        for i in range(0, len(ordered), ID_CHUNK):
            chunk = ordered[i : i + ID_CHUNK]
            for edge in self._links(chunk, kinds, since, until):
                found[(edge.via, edge.source, edge.target)] = edge
        return sorted(found.values(), key=lambda e: (e.source, e.target, e.via))

    def all_edges(
        self,
        kinds: Collection[str] | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Iterator[Edge]:
        """Every link the viewer may see (the scale-out tier's input), streamed: two
        queries, each with the whole store's existence rule evaluated once."""
        rels, direct = self._kinds(kinds)
        with self.engine.connect() as conn:
            streamed = conn.execution_options(stream_results=True, yield_per=10000)
            if rels:
                # each relationship once: from its source endpoint
                source_props = sorted({endpoints(r)[0] for r in rels})
                query = self._relationships(
                    rels, since, until, lambda s1: s1.c.prop.in_(source_props), self.reader.visible
                )
                for row in streamed.execute(query):
                    yield _relationship_edge(*row)
            if direct:
                d = aliased(t.statement)
                direct_query = select(d.c.entity_id, d.c.schema, d.c.prop, d.c.value).where(
                    d.c.prop_type == "entity", self._direct(d, direct), self.reader.visible(d)
                )
                for holder, schema, prop, value in streamed.execute(direct_query):
                    yield Edge(holder, value, holder, f"{schema}.{prop}", "id", prop)

    def sanctioned(self, nodes: Collection[str] | None = None) -> dict[str, list[str]]:
        """Nodes (among ``nodes``, or all) with a current Sanction the viewer may see,
        with the Sanctions' ids."""
        s = aliased(t.statement)
        where = (s.c.schema == "Sanction", s.c.prop == "entity", s.c.prop_type == "entity")
        out: dict[str, list[str]] = {}
        if nodes is None:
            with self.engine.connect() as conn:
                for target, sanction in conn.execute(
                    select(s.c.value, s.c.entity_id).where(*where, self.reader.visible(s))
                ):
                    out.setdefault(target, []).append(sanction)
        else:
            query = select(s.c.value, s.c.entity_id).where(*where, self.reader.allowed(s))
            out = self._by_value(query, s, nodes)
        return {k: sorted(set(v)) for k, v in out.items()}

    def _by_value(self, query: Select[Any], s: Any, nodes: Collection[str]) -> dict[str, list[str]]:
        """(value, entity id) rows of ``query`` for values among ``nodes``, both ends
        existing for the viewer: value -> entity ids."""
        rows: list[tuple[str, str]] = []
        ordered = sorted(nodes)
        with self.engine.connect() as conn:
            for i in range(0, len(ordered), ID_CHUNK):
                chunk = ordered[i : i + ID_CHUNK]
                rows.extend((r[0], r[1]) for r in conn.execute(query.where(s.c.value.in_(chunk))))
        real = self._exist(i for row in rows for i in row)
        out: dict[str, list[str]] = {}
        for target, holder in rows:
            if target in real and holder in real:
                out.setdefault(target, []).append(holder)
        return out

    def ownership(self) -> Iterator[tuple[str, str, str, list[str]]]:
        """Every current Ownership the viewer may see: (owner, asset, ownership id, its
        visible ``percentage`` values), streamed."""
        o, a, p = aliased(t.statement), aliased(t.statement), aliased(t.statement)
        query = (
            select(o.c.entity_id, o.c.value, a.c.value, p.c.value)
            .select_from(
                o.join(a, and_(a.c.entity_id == o.c.entity_id, a.c.prop == "asset")).outerjoin(
                    p,
                    and_(
                        p.c.entity_id == o.c.entity_id,
                        p.c.prop == "percentage",
                        self.reader.visible(p),
                    ),
                )
            )
            .where(
                o.c.schema == "Ownership",
                o.c.prop == "owner",
                o.c.prop_type == "entity",
                a.c.prop_type == "entity",
                self.reader.visible(o),
                self.reader.visible(a),
            )
            .order_by(o.c.entity_id)
        )
        current: tuple[str, str, str] | None = None
        shares: list[str] = []
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=5000).execute(query)
            for via, owner, asset, pct in result:
                key = (owner, asset, via)
                if current is not None and key != current:
                    yield (*current, sorted(set(shares)))
                    shares = []
                current = key
                if pct is not None:
                    shares.append(pct)
            if current is not None:
                yield (*current, sorted(set(shares)))

    def shared_values(
        self, nodes: Collection[str], types: Sequence[str]
    ) -> Iterator[tuple[str, str, str, str, str]]:
        """(node, other entity, property, its type, value) for each value of a type among ``types``
        (identifier, phone, email, address) that a node and another thing both carry,
        both statements visible."""
        s1, s2 = aliased(t.statement), aliased(t.statement)
        things = THINGS
        ordered = sorted(nodes)
        rows: list[tuple[str, str, str, str, str]] = []
        with self.engine.connect() as conn:
            for i in range(0, len(ordered), ID_CHUNK):
                chunk = ordered[i : i + ID_CHUNK]
                query = select(
                    s1.c.entity_id, s2.c.entity_id, s1.c.prop, s1.c.prop_type, s1.c.value
                ).where(
                    s1.c.entity_id.in_(chunk),
                    s1.c.prop_type.in_(list(types)),
                    s1.c.schema.in_(things),
                    self.reader.allowed(s1),
                    s2.c.prop_type.in_(list(types)),
                    s2.c.value == s1.c.value,
                    s2.c.prop_type == s1.c.prop_type,
                    s2.c.entity_id != s1.c.entity_id,
                    s2.c.schema.in_(things),
                    self.reader.allowed(s2),
                )
                rows.extend(
                    (row[0], row[1], row[2], row[3], row[4])
                    for row in conn.execute(query.distinct())
                )
        real = self._exist(i for row in rows for i in row[:2])
        yield from (row for row in rows if row[0] in real and row[1] in real)

    def designated_since(self, nodes: Collection[str], since: str) -> dict[str, list[str]]:
        """Nodes (among ``nodes``) with a current, visible Sanction first seen after
        ``since`` (a release imported later designated them), with the Sanctions' ids."""
        s = aliased(t.statement)
        query = select(s.c.value, s.c.entity_id).where(
            s.c.schema == "Sanction",
            s.c.prop == "entity",
            s.c.prop_type == "entity",
            s.c.first_seen > since,
            self.reader.allowed(s),
        )
        out = self._by_value(query, s, nodes)
        return {k: sorted(set(v)) for k, v in out.items()}


def _relationship_edge(via: str, schema: str, p1: str, v1: str, p2: str, v2: str) -> Edge:
    """An edge from a relationship row, oriented from its source endpoint."""
    source_prop, _target = endpoints(schema)
    if p1 == source_prop:
        return Edge(v1, v2, via, schema, p1, p2)
    return Edge(v2, v1, via, schema, p2, p1)


__all__ = ["DIRECT", "RELATIONSHIPS", "Edge", "GraphSQL", "endpoints"]
