"""The one write path: statements in, history kept.

A release of a list is a full snapshot of its dataset. Importing it:
- inserts statements never seen before (first_seen = last_seen = the release date);
- moves ``last_seen`` forward on statements seen again (and reopens ended ones);
- end-dates (``ended_at``) the dataset's open statements the release no longer carries.
Re-importing the very same release therefore changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from followthemoney import Statement, StatementEntity
from followthemoney.statement.util import BASE_ID
from sqlalchemy import ARRAY, Connection, Select, String, and_, any_, bindparam, or_, select

from watchkeeper.model.marking import Marking
from watchkeeper.model.origin import Origin
from watchkeeper.model.source import Source
from watchkeeper.store import schema as t

if TYPE_CHECKING:
    from watchkeeper.store.core import Store

BATCH = 5000


@dataclass
class ImportSummary:
    source_id: str
    dataset: str
    entities: int = 0
    """Distinct entities the release states anything about (as ``stats`` counts them per
    dataset, for a first release of a dataset)."""
    added: int = 0
    seen_again: int = 0
    reopened: int = 0
    ended: int = 0
    datasets: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    """What the user should know about this import (a release date that was assumed)."""
    # Entities with a statement added, reopened or ended: what derived indexes (screening)
    # must re-read. Not part of the printed summary.
    changed_entities: set[str] = field(default_factory=set, repr=False)
    # Records read with something left out (an unknown property...), one line each.
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.reopened or self.ended)


COLUMNS = [c.name for c in t.statement.columns]


def bulk_insert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert statement rows by the fastest route each engine offers.

    SQLAlchemy's executemany spends more time building parameters than SQLite spends
    writing, and PostgreSQL's COPY is several times faster than INSERT; both routes
    still run inside the import's one transaction.
    """
    values = [tuple(row[c] for c in COLUMNS) for row in rows]
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY statement ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
        return
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in COLUMNS)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.executemany(f"INSERT INTO statement ({', '.join(COLUMNS)}) VALUES ({marks})", values)
        return
    conn.execute(t.statement.insert(), rows)


def source_row(source: Source, marking_id: int, source_id: str | None = None) -> dict[str, Any]:
    """The source table's row for ``source`` under ``marking_id`` (as ``source_id`` when
    it is stored under another id, a citation's copy under another marking)."""
    return {
        "id": source_id or source.id,
        "dataset": source.dataset,
        "kind": source.kind,
        "title": source.title,
        "publisher": source.publisher,
        "reliability": source.reliability.name,
        "url": source.url,
        "published": source.published,
        "retrieved": source.retrieved,
        "checksum": source.checksum,
        "marking_id": marking_id,
        "date_assumed": source.date_assumed,
        "material": source.material,
    }


class Writer:
    """Collects statements for one import and writes them in batches, in one transaction."""

    def __init__(self, store: Store, conn: Connection, source: Source, full_release: bool) -> None:
        self.store = store
        self.conn = conn
        self.source = source
        self.full_release = full_release
        self.seen = source.published or source.retrieved
        self.summary = ImportSummary(source.id, source.dataset)
        self._pending: dict[str, dict[str, Any]] = {}
        self._entity_ids: set[str] = set()
        self._sources: dict[str, int] = {}
        found = conn.execute(select(t.source.c.id).where(t.source.c.id == source.id)).first()
        self.source_existed = found is not None
        """The source was stored before this write began (the same release, again)."""
        self._source_marking = self.use_source(source)
        # What FtM exports say beyond the values (store/origin.py), written at finish.
        self._origins: list[tuple[str, int, Origin]] = []
        self._origins_written = False

    def use_source(self, source: Source) -> int:
        """Register a (further) source for statements of this import; returns its marking id.

        A dataset such as the theater cites many reports: each becomes a source once and
        stays, shared by later releases of the dataset.
        """
        if source.id in self._sources:
            return self._sources[source.id]
        marking_id = self.store.marking_id(self.conn, source.marking)
        self._sources[source.id] = marking_id
        exists = self.conn.execute(select(t.source.c.id).where(t.source.c.id == source.id)).first()
        if exists is not None:
            return marking_id
        self.conn.execute(t.source.insert().values(source_row(source, marking_id)))
        return marking_id

    # -- adding -------------------------------------------------------------------------

    def add_entity(
        self,
        entity: StatementEntity,
        marking: Marking | None = None,
        credibility: int | None = None,
        source: Source | None = None,
    ) -> None:
        """Add every value of ``entity`` plus its existence (``id``) statement."""
        if entity.id is None:
            raise ValueError("entity without id")
        if entity.dataset.name != (source or self.source).dataset:
            # End-dating works per dataset: an entity must belong to its source's dataset.
            raise ValueError(
                f"entity {entity.id} is in dataset {entity.dataset.name}, not its source's"
            )
        for stmt in entity._iter_stmt():
            # _iter_stmt gives each statement FtM's key as its id.
            self._add(stmt, stmt.id, marking, credibility, source)
        # FtM's own id statement carries a checksum that changes with every edit; ours
        # carries the entity id, so an unchanged entity re-imports unchanged.
        base = Statement(
            entity_id=entity.id,
            prop=BASE_ID,
            schema=entity.schema.name,
            value=entity.id,
            dataset=self.source.dataset,
        )
        self._add(base, base.id, marking, credibility, source)

    def add_statement(
        self,
        stmt: Statement,
        marking: Marking | None = None,
        credibility: int | None = None,
        source: Source | None = None,
    ) -> str | None:
        """Add one statement as read from a file; an id it carries is kept. Returns the
        id it is stored under (another marking of the same value is another statement)."""
        return self._add(stmt, stmt.generate_key(), marking, credibility, source)

    def _add(
        self,
        stmt: Statement,
        ftm_key: str | None,
        marking: Marking | None,
        credibility: int | None,
        source: Source | None,
    ) -> str | None:
        stmt_id = stmt.id or ftm_key
        if stmt_id is None:
            return None
        source = source or self.source
        source_marking = self.use_source(source)
        marking_id = (
            source_marking if marking is None else self.store.marking_id(self.conn, marking)
        )
        if marking_id != source_marking and stmt_id == ftm_key:
            # The same value asserted under another marking is another statement: each
            # keeps its own marking, and a viewer sees those it is cleared for. (An id
            # that is not FtM's key came from a statement file and is kept as it is.)
            stmt_id = hashlib.sha1(f"{ftm_key}|{marking.key}".encode()).hexdigest()  # type: ignore[union-attr]
        self.summary.datasets.add(stmt.dataset)
        if stmt.entity_id not in self._entity_ids:
            self._entity_ids.add(stmt.entity_id)
            self.summary.entities += 1
        self._pending[stmt_id] = {
            "id": stmt_id,
            "entity_id": stmt.entity_id,
            "schema": stmt.schema,
            "prop": stmt.prop,
            "prop_type": stmt.prop_type,
            "value": stmt.value,
            "lang": stmt.lang,
            "original_value": stmt.original_value,
            "dataset": stmt.dataset,
            "source_id": source.id,
            "marking_id": marking_id,
            "own_marking": marking is not None,
            "credibility": credibility,
            "first_seen": stmt.first_seen or self.seen,
            "last_seen": stmt.last_seen or stmt.first_seen or self.seen,
            "ended_at": None,
            "retracted_at": None,
        }
        if len(self._pending) >= BATCH:
            self.flush()
        return stmt_id

    def add_origin(self, entity_id: str, origin: Origin, marking: Marking | None = None) -> None:
        """Keep an FtM export's datasets, referents, target and dates for ``entity_id``."""
        source_marking = self.use_source(self.source)
        marking_id = (
            source_marking if marking is None else self.store.marking_id(self.conn, marking)
        )
        self._origins.append((entity_id, marking_id, origin))
        if len(self._origins) >= BATCH:
            self._write_origins()

    def _write_origins(self) -> None:
        from watchkeeper.store.origin import write_origins

        # A full release replaces every origin of its dataset, once, before its own rows.
        first = self.full_release and not self._origins_written
        write_origins(self.conn, self.source.dataset, self._origins, replace_all=first)
        self._origins, self._origins_written = [], True

    def add_all(self, entities: Iterable[StatementEntity]) -> None:
        for entity in entities:
            self.add_entity(entity)

    # -- writing ------------------------------------------------------------------------

    def flush(self) -> None:
        if not self._pending:
            return
        rows = self._pending
        self._pending = {}
        existing = {r.id: r for r in self.conn.execute(self._existing(list(rows)))}
        new = [row for key, row in rows.items() if key not in existing]
        if new:
            bulk_insert(self.conn, new)
            self.summary.added += len(new)
            self.summary.changed_entities.update(row["entity_id"] for row in new)
        refresh = []
        for key, old in existing.items():
            row = rows[key]
            if old.ended_at is not None:
                self.summary.reopened += 1
                self.summary.changed_entities.add(row["entity_id"])
            elif old.last_seen is not None and old.last_seen >= row["last_seen"]:
                continue
            else:
                self.summary.seen_again += 1
            refresh.append({"b_id": key, "b_seen": max(row["last_seen"], old.last_seen or "")})
        if refresh:
            self.conn.execute(
                t.statement.update()
                .where(t.statement.c.id == bindparam("b_id"))
                .values(last_seen=bindparam("b_seen"), ended_at=None),
                refresh,
            )

    def _existing(self, ids: list[str]) -> Select[Any]:
        query = select(t.statement.c.id, t.statement.c.last_seen, t.statement.c.ended_at)
        if self.conn.dialect.name == "postgresql":
            # One array parameter: PostgreSQL plans a 5,000-item IN list slowly.
            return query.where(t.statement.c.id == any_(bindparam("ids", ids, type_=ARRAY(String))))
        return query.where(t.statement.c.id.in_(ids))

    def finish(self) -> None:
        self.flush()
        if self._origins or (self.full_release and not self._origins_written):
            self._write_origins()
        if not self.full_release:
            return
        # Whatever this dataset said before and this release no longer says has ended.
        result = self.conn.execute(
            t.statement.update()
            .where(
                and_(
                    t.statement.c.dataset == self.source.dataset,
                    t.statement.c.ended_at.is_(None),
                    or_(t.statement.c.last_seen < self.seen, t.statement.c.last_seen.is_(None)),
                )
            )
            .values(ended_at=self.seen)
            .returning(t.statement.c.entity_id)
        )
        ended = [row[0] for row in result]
        self.summary.ended = len(ended)
        self.summary.changed_entities.update(ended)
