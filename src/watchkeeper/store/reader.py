"""The one read path. Everything a viewer gets is built from the statements it may see.

The viewer's visible markings are computed once (``Store.visible_marking_ids``, the
house rule) and every query below filters on them in SQL. A link (an entity-typed
value) is only shown when its target is itself visible to the viewer, so neither ids
nor counts of hidden entities can leak through relationships.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from followthemoney import Dataset, Statement, StatementEntity, model
from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.store import schema as t

if TYPE_CHECKING:
    from watchkeeper.store.core import Store

DATASET = Dataset.make({"name": "watchkeeper", "title": "Watchkeeper"})
SEARCH_TYPES = ("name", "identifier")
RESTRICTED_SOURCE = "(restricted source)"


@dataclass
class StatementView:
    """A statement with the provenance a reader needs: source, grading, marking, dates."""

    statement: Statement
    source_id: str
    marking: Marking
    credibility: int | None
    ended_at: str | None


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
    def __init__(self, store: Store, viewer: Viewer) -> None:
        self.store = store
        self.viewer = viewer
        self.marking_ids = store.visible_marking_ids(viewer)
        self._markings = store.markings()
        self._visible_sources: set[str] | None = None

    # -- the filter everything goes through -------------------------------------------------

    def visible(self, stmt: Any = t.statement, include_ended: bool = False) -> ColumnElement[bool]:
        target = aliased(t.statement)
        clauses: list[ColumnElement[bool]] = [
            stmt.c.marking_id.in_(self.marking_ids),
            or_(
                stmt.c.prop_type != "entity",
                exists().where(
                    and_(
                        target.c.entity_id == stmt.c.value,
                        target.c.marking_id.in_(self.marking_ids),
                    )
                ),
            ),
        ]
        if not include_ended:
            clauses.append(stmt.c.ended_at.is_(None))
        return and_(*clauses)

    # -- statements and entities ----------------------------------------------------------

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
            self._visible_sources = {src["id"] for src in self.sources()}
        # A value may be releasable when the source it came from is not: then even the
        # source's id (which names its dataset) stays hidden.
        source_id = row.source_id if row.source_id in self._visible_sources else RESTRICTED_SOURCE
        return StatementView(
            stmt, source_id, self._markings[row.marking_id], row.credibility, row.ended_at
        )

    def statements(
        self, entity_ids: Sequence[str] | None = None, include_ended: bool = False
    ) -> Iterator[StatementView]:
        """Visible statements ordered by entity, streamed."""
        query = select(t.statement).where(self.visible(include_ended=include_ended))
        if entity_ids is not None:
            query = query.where(t.statement.c.entity_id.in_(list(entity_ids)))
        query = query.order_by(t.statement.c.entity_id, t.statement.c.prop, t.statement.c.id)
        with self.store.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=2000).execute(query)
            for row in result:
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

    def entity(self, entity_id: str, include_ended: bool = True) -> EntityView | None:
        for found in self.entities([entity_id], include_ended=include_ended):
            return found
        return None

    def referencing(self, entity_id: str) -> list[EntityView]:
        """Entities that link to ``entity_id``: sanctions, relationships, events."""
        query = (
            select(t.statement.c.entity_id)
            .where(self.visible())
            .where(t.statement.c.prop_type == "entity", t.statement.c.value == entity_id)
            .distinct()
        )
        with self.store.engine.connect() as conn:
            ids = [r[0] for r in conn.execute(query)]
        return list(self.entities(ids)) if ids else []

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
            sources = conn.execute(
                select(func.count())
                .select_from(t.source)
                .where(t.source.c.marking_id.in_(self.marking_ids))
            ).scalar()
        return {
            "entities": sum(schemata.values()),
            "statements": int(statements or 0),
            "sources": int(sources or 0),
            "schemata": dict(sorted(schemata.items(), key=lambda kv: (-kv[1], kv[0]))),
            "datasets": {k: int(v) for k, v in sorted(datasets.items())},
        }

    def sources(self) -> list[dict[str, Any]]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(t.source)
                .where(t.source.c.marking_id.in_(self.marking_ids))
                .order_by(t.source.c.dataset, t.source.c.published)
            ).mappings()
            out = []
            for row in rows:
                data = dict(row)
                data["marking"] = self._markings[data.pop("marking_id")].key
                out.append(data)
            return out

    def source(self, source_id: str) -> dict[str, Any] | None:
        for src in self.sources():
            if src["id"] == source_id:
                return src
        return None
