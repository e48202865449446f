"""The one read path. Everything a viewer gets is built from the statements it may see.

The viewer's visible markings are computed once (``Store.visible_marking_ids``, the
house rule) and every query below filters on them in SQL. Then existence (design.md):
an entity exists for a viewer only when it keeps a visible statement that is neither a
link nor its bare id statement, or a visible link to an entity that itself exists —
applied until nothing changes (a recursive query, the same on SQLite and PostgreSQL).
A link to an entity that does not exist for the viewer is dropped, so neither the ids
nor the counts of hidden entities leak through relationships, however many hops away.
The recursive query runs once per store state and set of visible markings
(``readcache``): queries filter on the viewer's dangling ids (allowed, yet not existing)
in SQL; in a small store reads by id look entities up in the rule's whole answer, in a
large one they walk the rule from the ids at hand, level by level. Retracted statements
exist for nobody. A marking's recipients are shown only to its originator; others see
its TLP, REL TO, originator and, if they are one, themselves as a recipient.

Every query exists in two readings: current (what the lists and reports say now) and
history (``include_ended``: ended statements too, existence judged over them as well).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from followthemoney import Dataset, Statement, StatementEntity, model
from followthemoney.statement.util import BASE_ID
from sqlalchemy import (
    CTE,
    ColumnElement,
    Text,
    all_,
    and_,
    bindparam,
    cast,
    except_,
    func,
    or_,
    select,
    union,
)
from sqlalchemy.dialects.postgresql import ARRAY

from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.model.source import FACT
from watchkeeper.store import schema as t
from watchkeeper.store.readcache import Existence

if TYPE_CHECKING:
    from watchkeeper.store.core import Store

# Entity ids per IN list in reads by entity (well under every driver's parameter limit).
ID_CHUNK = 1000
# The statement table under the names the filters below use. Built once: SQLAlchemy
# spends far longer building an alias's column collection than SQLite spends running a
# small query.
BASE = t.statement.alias("base")
LINK = t.statement.alias("link")
OWN = t.statement.alias("own")
# Up to this many statements, the existence rule's whole answer is computed once per store
# state and visible-marking set and kept in memory (``readcache``): reads become set
# lookups. Past it (a 1 M-entity store takes ~25 s and a million ids per scope, after
# every write), reads walk the rule from the ids at hand instead.
WHOLE_EXISTENCE_UP_TO = 250_000
# Up to this many dangling ids (see ``Reader.visible``) go into SQL as a NOT IN list of
# bound values; past it, as one bound array or JSON list.
DANGLING_IN_SQL = 2000
DATASET = Dataset.make({"name": "watchkeeper", "title": "Watchkeeper"})
SEARCH_TYPES = ("name", "identifier")
RESTRICTED_SOURCE = "(restricted source)"


@dataclass
class StatementView:
    """A statement with the provenance a reader needs: source, grading, marking, dates."""

    statement: Statement
    source_id: str
    marking: Marking
    """The marking as this viewer is shown it (recipients only for the originator)."""
    credibility: int | None
    ended_at: str | None
    governing: Marking
    """The whole marking, for marking what is derived from this statement (a derived
    statement must reach exactly who may see its evidence); never displayed."""


@dataclass
class EntityView:
    entity: StatementEntity
    statements: list[StatementView] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.entity.id)

    @property
    def caption(self) -> str:
        return self.entity.caption

    @property
    def schema(self) -> str:
        return self.entity.schema.name


@dataclass
class SearchResult:
    total: int
    results: list[EntityView]


class Reader:
    def __init__(
        self, store: Store, viewer: Viewer, materials: frozenset[str] | None = None
    ) -> None:
        self.store = store
        self.viewer = viewer
        self.materials = materials
        """The kinds of material read (model/source.py MATERIALS); None: every kind. An
        analytic product reads through ``for_analysis()``: facts only, unless the user
        asked for more."""
        # What follows is derived once per store state (``readcache``): one small query
        # here, then set lookups.
        self._cache = store.read_cache
        self.stamp = self._cache.stamp()
        self._markings = store.markings_at(self.stamp)
        self.marking_ids = store.visible_marking_ids(viewer, self.stamp)
        self.scope = frozenset(self.marking_ids)  # the visible markings, as a set (a cache key)
        self._shown: dict[int, Marking] = {}
        self._visible_sources: frozenset[str] | None = None
        self._existing: dict[bool, CTE] = {}
        self._visible: dict[tuple[Any, bool], ColumnElement[bool]] = {}

    def with_materials(self, materials: Collection[str] | None) -> Reader:
        """The same viewer reading only these kinds of material (None: every kind)."""
        return Reader(self.store, self.viewer, frozenset(materials) if materials else None)

    def for_analysis(self) -> Reader:
        """The reader an analytic product (report, dossier, tracker, futures) uses: facts
        only, unless the user chose the kinds of material (``--include simulated``)."""
        return self if self.materials is not None else self.with_materials({FACT})

    def material_filter(self, source_id: Any) -> list[ColumnElement[bool]]:
        """The clause keeping rows whose source (``source_id``) is of the kinds of material
        read: none when every kind is, or when the store holds no other kind (most
        stores: then reads cost what they did)."""
        excluded = self._excluded()
        return [source_id.not_in(excluded)] if excluded else []

    def _excluded(self) -> tuple[str, ...]:
        """The sources left out for their material, once per store state (empty for a
        reader of every kind)."""
        if self.materials is None:
            return ()
        return self._cache.get(
            self.stamp, ("sources of other material", self.materials), self._other_material
        )

    def _other_material(self) -> tuple[str, ...]:
        """The ids of the sources whose material this reader does not read (few: the
        simulator's runs, exercise imports)."""
        assert self.materials is not None
        query = select(t.source.c.id).where(t.source.c.material.not_in(sorted(self.materials)))
        with self.store.engine.connect() as conn:
            return tuple(sorted(str(row[0]) for row in conn.execute(query)))

    # -- the filters everything goes through ------------------------------------------------

    def allowed(self, stmt: Any = t.statement, include_ended: bool = False) -> ColumnElement[bool]:
        """Statements whose own marking the viewer may see (existence not yet applied),
        from the kinds of material this reader reads."""
        clauses: list[ColumnElement[bool]] = [
            stmt.c.marking_id.in_(self.marking_ids),
            stmt.c.retracted_at.is_(None),
        ]
        clauses += self.material_filter(stmt.c.source_id)
        if not include_ended:
            clauses.append(stmt.c.ended_at.is_(None))
        return and_(*clauses)

    def existing(self, include_ended: bool = False) -> CTE:
        """Every entity that exists for this viewer: the grounded ones, then whatever
        links to an existing one, until nothing changes (a recursive query)."""
        cached = self._existing.get(include_ended)
        if cached is not None:
            return cached
        base, link = BASE, LINK
        found = (
            select(base.c.entity_id)
            .where(self.allowed(base, include_ended))
            .where(base.c.prop_type != "entity", base.c.prop != BASE_ID)
            .cte("existing", recursive=True)
        )
        found = found.union(
            select(link.c.entity_id).where(
                self.allowed(link, include_ended),
                link.c.prop_type == "entity",
                link.c.value == found.c.entity_id,
            )
        )
        self._existing[include_ended] = found
        return found

    def visible(self, stmt: Any = t.statement, include_ended: bool = False) -> ColumnElement[bool]:
        """Statements the viewer gets: allowed, of an existing entity, and, for a link,
        pointing at an existing entity.

        An allowed statement's entity, and an allowed link's target, exist unless they
        are among the viewer's dangling ids (``dangling``), computed once per store state
        and visible-marking set: the filter is on those ids, never the recursive query
        itself. (Inside a statement filter, PostgreSQL's planner takes the recursive
        query for billions of rows and re-scans it for every row: at 1 M entities the
        whole-store sanctions query ran for more than 13 minutes.)"""
        cached = self._visible.get((stmt, include_ended))
        if cached is not None:
            return cached
        dangling = self.dangling(include_ended)
        clauses = [self.allowed(stmt, include_ended)]
        if dangling:
            clauses += [
                self._not_among(stmt.c.entity_id, dangling),
                or_(stmt.c.prop_type != "entity", self._not_among(stmt.c.value, dangling)),
            ]
        clause = and_(*clauses)
        self._visible[(stmt, include_ended)] = clause
        return clause

    def _not_among(self, column: ColumnElement[str], ids: tuple[str, ...]) -> ColumnElement[bool]:
        """``column`` is none of ``ids``: a NOT IN list of bound values when they are few;
        past ``DANGLING_IN_SQL``, one bound parameter (SQLite limits a statement to 32,766
        of them): an array on PostgreSQL (which hashes a NOT IN over a constant array), a
        JSON list read by ``json_each`` on SQLite."""
        if len(ids) <= DANGLING_IN_SQL:
            return column.not_in(ids)
        if self.store.engine.dialect.name == "postgresql":
            return column != all_(bindparam(None, list(ids), type_=ARRAY(Text)))
        listed = func.json_each(json.dumps(list(ids))).table_valued("value")
        return column.not_in(select(listed.c.value))

    def dangling(self, include_ended: bool = False) -> tuple[str, ...]:
        """Ids that occur in an allowed statement (as its entity or a link's target) and do
        not exist for the viewer, once per store state and set of visible markings. In a
        small store, from the whole existence answer; in a large one, by one query (the
        rule's answer is never brought into memory)."""
        if self.small:
            return self.existence(include_ended).dangling
        return self._cache.get(
            self.stamp,
            ("dangling", self.scope, self._excluded(), include_ended),
            lambda: self._compute_dangling(include_ended),
        )

    def _mentioned(self, include_ended: bool) -> Any:
        """Every id an allowed statement names: its entity, or a link's target (one
        column type in both terms: PostgreSQL's entity ids are VARCHAR(255), link values
        TEXT)."""
        st = t.statement
        allowed = self.allowed(st, include_ended)
        return union(
            select(cast(st.c.entity_id, Text)).where(allowed),
            select(cast(st.c.value, Text)).where(allowed, st.c.prop_type == "entity"),
        )

    def _compute_dangling(self, include_ended: bool) -> tuple[str, ...]:
        found = self.existing(include_ended)
        mentioned = self._mentioned(include_ended).subquery()
        # SQLite takes no parenthesised compound query on EXCEPT's left: a plain SELECT
        query = except_(select(mentioned.c[0]), select(cast(found.c.entity_id, Text)))
        with self.store.engine.connect() as conn:
            return tuple(sorted(str(row[0]) for row in conn.execute(query)))

    def existence(self, include_ended: bool = False) -> Existence:
        """The existence rule's answer for this viewer's visible markings, computed once
        per store state and set of visible markings (``readcache``)."""
        return self._cache.get(
            self.stamp,
            ("existence", self.scope, self._excluded(), include_ended),
            lambda: self._compute_existence(include_ended),
        )

    def _compute_existence(self, include_ended: bool) -> Existence:
        found = self.existing(include_ended)
        with self.store.engine.connect() as conn:
            existing = frozenset(row[0] for row in conn.execute(select(found.c.entity_id)))
            mentioned = {row[0] for row in conn.execute(self._mentioned(include_ended))}
        return Existence(existing, tuple(sorted(mentioned - existing)))

    @property
    def small(self) -> bool:
        """Is the store small enough for the whole existence answer in memory?"""
        return self._cache.get(self.stamp, ("small",), self._is_small)

    def _is_small(self) -> bool:
        # Statements are never deleted (a retraction marks them): a store found large
        # stays large, and is not counted again after every write (a scan of a quarter
        # of a million rows, on the request that first reads a new state).
        if self.store.found_large:
            return False
        st = t.statement
        probe = select(st.c.id).limit(WHOLE_EXISTENCE_UP_TO + 1).subquery()
        with self.store.engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(probe)).scalar_one()
        self.store.found_large = int(count) > WHOLE_EXISTENCE_UP_TO
        return not self.store.found_large

    def existing_among(self, entity_ids: Collection[str], include_ended: bool = False) -> set[str]:
        """Which of ``entity_ids`` exist for this viewer: a set lookup in a small store;
        in a large one, a walk that starts from them, level by level, following allowed
        links only out of entities that are not grounded themselves, so it stays near
        them. Each level is two index searches by entity id (a recursive query here was
        planned by PostgreSQL for a million rows and took ~2 s per thousand ids)."""
        if self.small:
            return set(entity_ids) & self.existence(include_ended).existing
        wanted = set(entity_ids)
        grounded: set[str] = set()
        holders: dict[str, set[str]] = {}  # link target -> ungrounded entities linking it
        seen: set[str] = set()
        frontier = wanted
        while frontier:
            seen |= frontier
            level = self._grounded_among(frontier, include_ended)
            grounded |= level
            following: set[str] = set()
            for holder, target in self._links_out(frontier - level, include_ended):
                holders.setdefault(target, set()).add(holder)
                if target not in seen:
                    following.add(target)
            frontier = following
        # exists: grounded, or linking (through ungrounded entities) to what exists
        found = set(grounded)
        queue = list(grounded)
        while queue:
            for holder in holders.get(queue.pop(), ()):
                if holder not in found:
                    found.add(holder)
                    queue.append(holder)
        return wanted & found

    def _grounded_among(self, entity_ids: Collection[str], include_ended: bool) -> set[str]:
        """Those of ``entity_ids`` with an allowed statement that is neither a link nor
        their id."""
        own = OWN
        out: set[str] = set()
        ordered = sorted(entity_ids)
        with self.store.engine.connect() as conn:
            for i in range(0, len(ordered), ID_CHUNK):
                query = select(own.c.entity_id).where(
                    own.c.entity_id.in_(ordered[i : i + ID_CHUNK]),
                    self.allowed(own, include_ended),
                    own.c.prop_type != "entity",
                    own.c.prop != BASE_ID,
                )
                out.update(str(row[0]) for row in conn.execute(query.distinct()))
        return out

    def _links_out(
        self, entity_ids: Collection[str], include_ended: bool
    ) -> Iterator[tuple[str, str]]:
        """(holder, target) of the allowed links held by ``entity_ids``."""
        link = LINK
        ordered = sorted(entity_ids)
        with self.store.engine.connect() as conn:
            for i in range(0, len(ordered), ID_CHUNK):
                query = select(link.c.entity_id, link.c.value).where(
                    link.c.entity_id.in_(ordered[i : i + ID_CHUNK]),
                    self.allowed(link, include_ended),
                    link.c.prop_type == "entity",
                )
                yield from ((str(row[0]), str(row[1])) for row in conn.execute(query))

    # -- statements and entities ----------------------------------------------------------

    def shown_marking(self, marking_id: int) -> Marking:
        """A marking as this viewer is shown it: the recipient list only to its originator.
        A recipient sees itself among the recipients (and no one else), so what it exports
        re-imports into its own store as something it may still see."""
        found = self._shown.get(marking_id)
        if found is None:
            mark = self._markings[marking_id]
            if mark.recipients and mark.originator != self.viewer.organisation:
                mark = replace(mark, recipients=mark.recipients & {self.viewer.organisation})
            found = self._shown[marking_id] = mark
        return found

    def _view(self, row: Any) -> StatementView:
        stmt = Statement(
            id=row.id,
            entity_id=row.entity_id,
            prop=row.prop,
            schema=row.schema,
            value=row.value,
            dataset=row.dataset,
            lang=row.lang,
            original_value=row.original_value,
            first_seen=row.first_seen,
            last_seen=row.last_seen,
        )
        if self._visible_sources is None:
            self._visible_sources = self._cache.get(
                self.stamp,
                ("source ids", self.viewer, self.materials),
                lambda: frozenset(src["id"] for src in self.sources()),
            )
        # A value may be releasable when the source it came from is not: then even the
        # source's id (which names its dataset) stays hidden.
        source_id = row.source_id if row.source_id in self._visible_sources else RESTRICTED_SOURCE
        return StatementView(
            stmt,
            source_id,
            self.shown_marking(row.marking_id),
            row.credibility,
            row.ended_at,
            self._markings[row.marking_id],
        )

    def statements(
        self, entity_ids: Sequence[str] | None = None, include_ended: bool = False
    ) -> Iterator[StatementView]:
        """Visible statements ordered by entity, streamed."""
        order = (t.statement.c.entity_id, t.statement.c.prop, t.statement.c.id)
        if entity_ids is None:
            query = select(t.statement).where(self.visible(include_ended=include_ended))
            with self.store.engine.connect() as conn:
                result = conn.execution_options(stream_results=True, yield_per=2000).execute(
                    query.order_by(*order)
                )
                for row in result:
                    yield self._view(row)
            return
        # By entity: the allowed rows, kept when their entity (and a link's target) exists.
        ordered = sorted(set(entity_ids))
        for i in range(0, len(ordered), ID_CHUNK):
            chunk = ordered[i : i + ID_CHUNK]
            query = select(t.statement).where(
                self.allowed(include_ended=include_ended), t.statement.c.entity_id.in_(chunk)
            )
            with self.store.engine.connect() as conn:
                rows = list(conn.execute(query.order_by(*order)))
            ends = {r.entity_id for r in rows} | {r.value for r in rows if r.prop_type == "entity"}
            # An entity with an allowed statement that is neither a link nor its id is
            # grounded (``existing``): its rows, just read, say so; the others are asked.
            grounded = {r.entity_id for r in rows if r.prop_type != "entity" and r.prop != BASE_ID}
            asked = ends - grounded
            found = grounded | (self.existing_among(asked, include_ended) if asked else set())
            for row in rows:
                if row.entity_id in found and (row.prop_type != "entity" or row.value in found):
                    yield self._view(row)

    @staticmethod
    def _assemble(views: list[StatementView]) -> EntityView | None:
        current = [v for v in views if v.ended_at is None] or views
        if not current:
            return None
        entity = StatementEntity.from_statements(DATASET, [v.statement for v in current])
        return EntityView(entity, views)

    def entities(
        self, entity_ids: Sequence[str] | None = None, include_ended: bool = False
    ) -> Iterator[EntityView]:
        batch: list[StatementView] = []
        for view in self.statements(entity_ids, include_ended):
            if batch and batch[0].statement.entity_id != view.statement.entity_id:
                assembled = self._assemble(batch)
                if assembled is not None:
                    yield assembled
                batch = []
            batch.append(view)
        if batch:
            assembled = self._assemble(batch)
            if assembled is not None:
                yield assembled

    def statement_ids(
        self, entity_id: str, prop: str | None = None, value: str | None = None
    ) -> list[str]:
        """Ids of the entity's visible statements (current and ended) of ``prop`` with
        ``value``, where given: what an analyst selects to re-mark or retract."""
        return [
            str(sv.statement.id)
            for sv in self.statements([entity_id], include_ended=True)
            if (prop is None or sv.statement.prop == prop)
            and (value is None or sv.statement.value == value)
        ]

    def entity(self, entity_id: str, include_ended: bool = True) -> EntityView | None:
        for found in self.entities([entity_id], include_ended=include_ended):
            return found
        return None

    def referencing(self, entity_id: str, include_ended: bool = False) -> list[EntityView]:
        """Entities that link to ``entity_id``: sanctions, relationships, events (with
        ``include_ended``, also links a later release ended: a delisting's sanction)."""
        if not self.existing_among([entity_id], include_ended):
            return []
        query = (
            select(t.statement.c.entity_id)
            .where(self.allowed(include_ended=include_ended))
            .where(t.statement.c.prop_type == "entity", t.statement.c.value == entity_id)
            .distinct()
        )
        with self.store.engine.connect() as conn:
            ids = [r[0] for r in conn.execute(query)]
        return list(self.entities(ids, include_ended)) if ids else []

    def entity_ids(self, schema: str) -> list[str]:
        """Ids of the visible entities of ``schema`` (or a schema descending from it)."""
        wanted = model.get(schema)
        names = [d.name for d in wanted.descendants] + [schema] if wanted else [schema]
        query = (
            select(t.statement.c.entity_id)
            .where(self.visible(), t.statement.c.schema.in_(names))
            .distinct()
            .order_by(t.statement.c.entity_id)
        )
        with self.store.engine.connect() as conn:
            return [r[0] for r in conn.execute(query)]

    def values_of(self, schema: str, props: Collection[str]) -> list[tuple[str, str, str]]:
        """(entity id, property, value) of the visible current statements of ``props`` on
        entities of ``schema`` (or a schema descending from it): one query, where reading
        the entities would read all of their values."""
        wanted = model.get(schema)
        names = [d.name for d in wanted.descendants] + [schema] if wanted else [schema]
        query = select(t.statement.c.entity_id, t.statement.c.prop, t.statement.c.value).where(
            self.visible(), t.statement.c.schema.in_(names), t.statement.c.prop.in_(list(props))
        )
        with self.store.engine.connect() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(query)]

    def most_referenced(self, limit: int = 10) -> list[tuple[str, int]]:
        """Entities linked to by the most other visible entities (events, links, sanctions)."""
        count = func.count(func.distinct(t.statement.c.entity_id))
        query = (
            select(t.statement.c.value, count)
            .where(self.visible(), t.statement.c.prop_type == "entity")
            .group_by(t.statement.c.value)
            .order_by(count.desc(), t.statement.c.value)
            .limit(limit)
        )
        with self.store.engine.connect() as conn:
            return [(r[0], int(r[1])) for r in conn.execute(query)]

    # -- search and statistics ------------------------------------------------------------

    def search(
        self, text: str, schema: str | None = None, limit: int = 20, offset: int = 0
    ) -> SearchResult:
        """Entities whose names or identifiers contain ``text`` (case-insensitive)."""
        needle = "%" + text.strip().lower().replace("%", r"\%").replace("_", r"\_") + "%"
        matches = (
            select(t.statement.c.entity_id)
            .where(self.visible())
            .where(t.statement.c.prop_type.in_(SEARCH_TYPES))
            .where(func.lower(t.statement.c.value).like(needle, escape="\\"))
        )
        if schema is not None:
            wanted = model.get(schema)
            names = [s.name for s in (wanted.descendants if wanted else [])] + [schema]
            matches = matches.where(t.statement.c.schema.in_(names))
        matches_sq = matches.distinct().subquery()
        with self.store.engine.connect() as conn:
            total = int(conn.execute(select(func.count()).select_from(matches_sq)).scalar() or 0)
            ids = [
                r[0]
                for r in conn.execute(
                    select(matches_sq.c.entity_id)
                    .order_by(matches_sq.c.entity_id)
                    .limit(limit)
                    .offset(offset)
                )
            ]
        found = {e.id: e for e in self.entities(ids)} if ids else {}
        results = [found[i] for i in ids if i in found]
        results.sort(key=lambda e: (not e.caption.lower().startswith(text.lower()), e.caption))
        return SearchResult(total, results)

    def stats(self) -> dict[str, Any]:
        """Counts computed on what this viewer may see, and nothing else."""
        visible = self.visible()
        with self.store.engine.connect() as conn:
            statements = conn.execute(
                select(func.count()).select_from(t.statement).where(visible)
            ).scalar()
            per_entity = (
                select(t.statement.c.entity_id, t.statement.c.schema).where(visible).distinct()
            )
            entity_schema: dict[str, Any] = {}
            for row in conn.execute(per_entity):
                known = entity_schema.get(row.entity_id)
                entity_schema[row.entity_id] = (
                    model.get(row.schema)
                    if known is None
                    else model.common_schema(known, row.schema)
                )
            schemata: Counter[str] = Counter(s.name for s in entity_schema.values())
            datasets: dict[str, int] = dict(
                conn.execute(
                    select(
                        t.statement.c.dataset, func.count(func.distinct(t.statement.c.entity_id))
                    )
                    .where(visible)
                    .group_by(t.statement.c.dataset)
                ).all()
            )
        return {
            "entities": sum(schemata.values()),
            "statements": int(statements or 0),
            "sources": len(self.sources()),
            "schemata": dict(sorted(schemata.items(), key=lambda kv: (-kv[1], kv[0]))),
            "datasets": {k: int(v) for k, v in sorted(datasets.items())},
        }

    def sources(self) -> list[dict[str, Any]]:
        """The sources this viewer may see (a source carries a marking of its own); read
        once per store state and viewer (the marking shown depends on the viewer)."""
        found = self._cache.get(self.stamp, ("sources", self.viewer), self._read_sources)
        return [
            dict(src)
            for src in found
            if self.materials is None or src.get("material", FACT) in self.materials
        ]

    def _read_sources(self) -> tuple[dict[str, Any], ...]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(t.source)
                .where(t.source.c.marking_id.in_(self.marking_ids))
                .order_by(t.source.c.dataset, t.source.c.published, t.source.c.id)
            ).mappings()
            out = []
            for row in rows:
                data = dict(row)
                data["marking"] = self.shown_marking(data.pop("marking_id")).key
                out.append(data)
            return tuple(out)

    def source(self, source_id: str) -> dict[str, Any] | None:
        for src in self.sources():
            if src["id"] == source_id:
                return src
        return None

    # -- the audit of re-markings and retractions -----------------------------------------

    def audit(self, entity_id: str | None = None) -> list[dict[str, Any]]:
        """Re-markings and retractions of statements whose information this viewer's
        organisation owns (originated); nobody else reads them."""
        table = t.statement_audit
        query = select(table).where(table.c.owner == self.viewer.organisation)
        if entity_id is not None:
            query = query.where(table.c.entity_id == entity_id)
        with self.store.engine.connect() as conn:
            rows = conn.execute(query.order_by(table.c.id)).mappings()
            out = []
            for row in rows:
                data = dict(row)
                # the row's number counts every organisation's entries: not for the viewer
                del data["id"]
                data["old_marking"] = self._markings[data.pop("old_marking_id")].key
                new = data.pop("new_marking_id")
                data["new_marking"] = self._markings[new].key if new is not None else None
                out.append(data)
            return out
