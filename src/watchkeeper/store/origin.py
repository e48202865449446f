"""SQL for entity origins (``origin_schema``): written in an import's transaction, read
per viewer.

A row is shown to a viewer when the viewer may see its marking (the marking of the
entity's statements in that import) and the entity itself exists for the viewer (the
caller reads the entity through ``Reader`` first). Bulk reads for derived indexes carry
the marking along, like ``Store.current_values``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Table, and_, select

from watchkeeper.model.origin import Origin, OriginView
from watchkeeper.store.origin_schema import entity_origin, entity_referent
from watchkeeper.store.reader import ID_CHUNK

if TYPE_CHECKING:
    from watchkeeper.store.core import Store
    from watchkeeper.store.reader import Reader


def frame(values: Iterable[str]) -> str | None:
    items = sorted(set(values))
    return "," + ",".join(items) + "," if items else None


def unframe(text: str | None) -> frozenset[str]:
    return frozenset(v for v in (text or "").split(",") if v)


def write_origins(
    conn: Connection, dataset: str, rows: list[tuple[str, int, Origin]], replace_all: bool
) -> None:
    """Replace the origins of ``rows``' entities in ``dataset`` (of every entity of the
    dataset, with ``replace_all``: a full release says everything the dataset says)."""
    if replace_all:
        conn.execute(entity_referent.delete().where(entity_referent.c.dataset == dataset))
        conn.execute(entity_origin.delete().where(entity_origin.c.dataset == dataset))
    else:
        ids = sorted({entity_id for entity_id, _, _ in rows})
        for i in range(0, len(ids), ID_CHUNK):
            chunk = ids[i : i + ID_CHUNK]
            for table in (entity_referent, entity_origin):
                conn.execute(
                    table.delete().where(table.c.dataset == dataset, table.c.entity_id.in_(chunk))
                )
    # The last row of an entity wins (an entity repeated in one file).
    latest = {entity_id: (marking_id, origin) for entity_id, marking_id, origin in rows}
    if not latest:
        return
    conn.execute(
        entity_origin.insert(),
        [
            {
                "dataset": dataset,
                "entity_id": entity_id,
                "marking_id": marking_id,
                "datasets": frame(origin.datasets),
                "target": origin.target,
                "first_seen": origin.first_seen,
                "last_seen": origin.last_seen,
                "last_change": origin.last_change,
            }
            for entity_id, (marking_id, origin) in latest.items()
        ],
    )
    referents = [
        {"dataset": dataset, "entity_id": entity_id, "referent": referent}
        for entity_id, (_, origin) in latest.items()
        for referent in sorted(set(origin.referents))
        if referent != entity_id
    ]
    if referents:
        conn.execute(entity_referent.insert(), referents)


def _merge(rows: list[tuple[frozenset[str], frozenset[str], Origin]]) -> OriginView:
    targets = [o.target for _, _, o in rows if o.target is not None]
    firsts = [o.first_seen for _, _, o in rows if o.first_seen]
    lasts = [o.last_seen for _, _, o in rows if o.last_seen]
    changes = [o.last_change for _, _, o in rows if o.last_change]
    return OriginView(
        datasets=frozenset().union(*(d for d, _, _ in rows)),
        referents=frozenset().union(*(r for _, r, _ in rows)),
        target=any(targets) if targets else None,
        first_seen=min(firsts) if firsts else None,
        last_seen=max(lasts) if lasts else None,
        last_change=max(changes) if changes else None,
    )


class OriginReader:
    """Origins as one viewer may see them (the viewer's visible markings)."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.store = reader.store
        self.marking_ids = list(reader.marking_ids)

    def _holds_rows(self, table: Table) -> bool:
        """Whether ``table`` has any row, once per store state: lists imported from
        their own formats leave both origin tables empty, and then ``origins`` reads
        nothing (two queries fewer for every entity a match or a search shows)."""

        def any_row() -> bool:
            with self.store.engine.connect() as conn:
                return conn.execute(select(table.c.entity_id).limit(1)).first() is not None

        return self.store.read_cache.get(self.reader.stamp, ("holds rows", table.name), any_row)

    def origins(self, entity_ids: Collection[str]) -> dict[str, OriginView]:
        ordered = sorted(set(entity_ids))
        found: dict[str, list[tuple[frozenset[str], frozenset[str], Origin]]] = {}
        if not ordered or not self._holds_rows(entity_origin):
            return {}
        with self.store.engine.connect() as conn:
            for i in range(0, len(ordered), ID_CHUNK):
                chunk = ordered[i : i + ID_CHUNK]
                referents: dict[tuple[str, str], set[str]] = {}
                for row in conn.execute(
                    select(entity_referent).where(entity_referent.c.entity_id.in_(chunk))
                ):
                    referents.setdefault((row.dataset, row.entity_id), set()).add(row.referent)
                rows = conn.execute(
                    select(entity_origin).where(
                        entity_origin.c.entity_id.in_(chunk),
                        entity_origin.c.marking_id.in_(self.marking_ids),
                    )
                )
                for row in rows:
                    origin = Origin(
                        target=row.target,
                        first_seen=row.first_seen,
                        last_seen=row.last_seen,
                        last_change=row.last_change,
                    )
                    refs = frozenset(referents.get((row.dataset, row.entity_id), ()))
                    found.setdefault(row.entity_id, []).append(
                        (unframe(row.datasets), refs, origin)
                    )
        return {entity_id: _merge(rows) for entity_id, rows in found.items()}

    def canonical(self, referent: str) -> list[str]:
        """The entities ``referent`` was merged into, through rows this viewer may see, and
        only those that exist for the viewer (a redirect must not reveal a hidden id)."""
        query = (
            select(entity_referent.c.entity_id)
            .join(
                entity_origin,
                and_(
                    entity_origin.c.dataset == entity_referent.c.dataset,
                    entity_origin.c.entity_id == entity_referent.c.entity_id,
                ),
            )
            .where(
                entity_referent.c.referent == referent,
                entity_origin.c.marking_id.in_(self.marking_ids),
            )
            .distinct()
            .order_by(entity_referent.c.entity_id)
        )
        with self.store.engine.connect() as conn:
            found = [row[0] for row in conn.execute(query)]
        existing = self.reader.existing_among(found)
        return [entity_id for entity_id in found if entity_id in existing]


OriginRow = tuple[str, int, frozenset[str], bool | None, str | None, str | None, str | None]


def all_origins(store: Store) -> Iterator[OriginRow]:
    """(entity_id, marking_id, publishing datasets, target, first_seen, last_seen,
    last_change) of every origin row, for every marking: for derived indexes that
    filter per viewer afterwards."""
    t = entity_origin
    query = select(
        t.c.entity_id,
        t.c.marking_id,
        t.c.datasets,
        t.c.target,
        t.c.first_seen,
        t.c.last_seen,
        t.c.last_change,
    )
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=5000).execute(query)
        for row in result:
            yield row[0], row[1], unframe(row[2]), row[3], row[4], row[5], row[6]


def all_referents(store: Store) -> Iterator[tuple[str, str, int]]:
    """(entity_id, referent, marking_id) of every referent, for every marking."""
    query = select(
        entity_referent.c.entity_id, entity_referent.c.referent, entity_origin.c.marking_id
    ).join(
        entity_origin,
        and_(
            entity_origin.c.dataset == entity_referent.c.dataset,
            entity_origin.c.entity_id == entity_referent.c.entity_id,
        ),
    )
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=5000).execute(query)
        for row in result:
            yield row[0], row[1], row[2]


def statement_times(store: Store) -> Iterator[tuple[str, int, str | None, str | None, str | None]]:
    """(entity_id, marking_id, first seen, last seen, last change) per entity and
    marking, from the statements' own history: a value added (first_seen) or ended
    (ended_at) is a change. For entities no FtM export dated."""
    from sqlalchemy import func

    from watchkeeper.store.schema import statement as st

    query = select(
        st.c.entity_id,
        st.c.marking_id,
        func.min(st.c.first_seen),
        func.max(st.c.last_seen),
        func.max(st.c.first_seen),
        func.max(st.c.ended_at),
    ).group_by(st.c.entity_id, st.c.marking_id)
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=5000).execute(query)
        for row in result:
            change = max((v for v in (row[4], row[5]) if v), default=None)
            yield row[0], row[1], row[2], row[3], change
