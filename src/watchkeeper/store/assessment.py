"""SQL for the assessment tables: writing estimates and judgments inside an import's one
transaction, and reading them through a viewer's visible markings.

Writes ride on :class:`~watchkeeper.store.writer.Writer` (its connection, its sources and
markings), so an assessment import lands whole or not at all, exactly like a list
release. Reads filter on the marking ids the viewer's :class:`Reader` computed from the
house rule; a row's source is named only when the viewer may see that source too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from followthemoney.statement.util import BASE_ID
from sqlalchemy import ColumnElement, Table, and_, bindparam, func, or_, select

from watchkeeper.model.marking import Marking
from watchkeeper.model.source import Source
from watchkeeper.store import schema as t
from watchkeeper.store.assessment_schema import estimate, judgment

if TYPE_CHECKING:
    from watchkeeper.store.reader import Reader
    from watchkeeper.store.writer import Writer

HISTORY = ("first_seen", "last_seen", "ended_at")


@dataclass(frozen=True)
class EstimateRecord:
    """One estimate as an importer hands it to the store."""

    key: str
    measure: str
    unit: str
    subject: str
    bound: str
    low: float | None
    best: float | None
    high: float | None
    reported: str
    estimator: str
    method: str
    statement: str
    capacity: bool = False
    period_start: str | None = None
    period_end: str | None = None
    sector: str | None = None
    event_id: str | None = None
    credibility: int | None = None


@dataclass(frozen=True)
class JudgmentRecord:
    """One judgment (a prior, a likelihood, a consistency mark...) as handed to the store."""

    key: str
    kind: str
    subject: str
    reason: str
    analyst: str
    made_on: str
    object: str | None = None
    value: str | None = None
    confidence: str | None = None
    credibility: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Provenance:
    """Where a row came from, as the viewer may know it."""

    dataset: str
    source: dict[str, Any] | None
    """The source row (title, publisher, url, published, reliability), or None when the
    viewer may not see the source."""
    marking: Marking
    first_seen: str | None
    last_seen: str | None
    ended_at: str | None


@dataclass(frozen=True)
class StoredEstimate:
    id: str
    record: EstimateRecord
    provenance: Provenance


@dataclass(frozen=True)
class StoredJudgment:
    id: str
    record: JudgmentRecord
    provenance: Provenance


class AssessmentWriter:
    """Estimates and judgments of one import, written in the import's transaction.

    A full release of a dataset ends (``ended_at``) the rows of that dataset it no longer
    carries; rows seen again move their ``last_seen`` on; history is never deleted.
    """

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.seen = writer.seen
        self.dataset = writer.source.dataset
        self.added = 0
        self.ended = 0

    def _marking_id(self, marking: Marking | None, source: Source | None) -> int:
        source_marking = self.writer.use_source(source or self.writer.source)
        if marking is None:
            return source_marking
        return self.writer.store.marking_id(self.writer.conn, marking)

    def _put(
        self,
        table: Table,
        content: dict[str, Any],
        marking: Marking | None,
        source: Source | None,
    ) -> None:
        conn = self.writer.conn
        marking_id = self._marking_id(marking, source)
        mark_key = (marking or (source or self.writer.source).marking).key
        text = json.dumps([self.dataset, content, mark_key], sort_keys=True, default=str)
        row_id = hashlib.sha1(text.encode("utf-8")).hexdigest()
        found = conn.execute(
            select(table.c.last_seen, table.c.ended_at).where(table.c.id == row_id)
        ).first()
        if found is None:
            conn.execute(
                table.insert().values(
                    id=row_id,
                    dataset=self.dataset,
                    source_id=(source or self.writer.source).id,
                    marking_id=marking_id,
                    first_seen=self.seen,
                    last_seen=self.seen,
                    ended_at=None,
                    **content,
                )
            )
            self.added += 1
            return
        conn.execute(
            table.update()
            .where(table.c.id == row_id)
            .values(last_seen=max(self.seen, found.last_seen or ""), ended_at=None)
        )

    def add_estimate(
        self, record: EstimateRecord, marking: Marking | None = None, source: Source | None = None
    ) -> None:
        content = asdict(record)
        content["capacity"] = int(record.capacity)
        self._put(estimate, content, marking, source)

    def add_judgment(
        self, record: JudgmentRecord, marking: Marking | None = None, source: Source | None = None
    ) -> None:
        content = asdict(record)
        content["detail"] = json.dumps(record.detail, sort_keys=True, ensure_ascii=False)
        self._put(judgment, content, marking, source)

    def finish(self) -> None:
        """End what a full release no longer says (call before the import commits)."""
        if not self.writer.full_release:
            return
        for table in (estimate, judgment):
            result = self.writer.conn.execute(
                table.update()
                .where(
                    and_(
                        table.c.dataset == self.dataset,
                        table.c.ended_at.is_(None),
                        or_(table.c.last_seen < self.seen, table.c.last_seen.is_(None)),
                    )
                )
                .values(ended_at=self.seen)
            )
            self.ended += int(result.rowcount or 0)


# -- reading --------------------------------------------------------------------------------


def _provenance(reader: Reader, row: Any, sources: dict[str, dict[str, Any]]) -> Provenance:
    return Provenance(
        dataset=row.dataset,
        source=sources.get(row.source_id),
        marking=reader.store.markings()[row.marking_id],
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        ended_at=row.ended_at,
    )


def _visible(reader: Reader, table: Table, include_ended: bool) -> Any:
    query = select(table).where(table.c.marking_id.in_(bindparam("ids", expanding=True)))
    if not include_ended:
        query = query.where(table.c.ended_at.is_(None))
    return query


ESTIMATE_FIELDS = [f for f in EstimateRecord.__dataclass_fields__]
JUDGMENT_FIELDS = [f for f in JudgmentRecord.__dataclass_fields__]


def read_estimates(
    reader: Reader, measures: Sequence[str] | None = None, include_ended: bool = False
) -> list[StoredEstimate]:
    """The estimates ``reader``'s viewer may see (of ``measures`` only, when given).

    An estimate's link to an event is kept only when the viewer may see that event.
    """
    query = _visible(reader, estimate, include_ended)
    if measures is not None:
        query = query.where(estimate.c.measure.in_(list(measures)))
    query = query.order_by(estimate.c.reported, estimate.c.key, estimate.c.id)
    with reader.store.engine.connect() as conn:
        rows = list(conn.execute(query, {"ids": list(reader.marking_ids)}))
    sources = {src["id"]: src for src in reader.sources()}
    events = {row.event_id for row in rows if row.event_id}
    seen = {view.id for view in reader.entities(sorted(events))} if events else set()
    out = []
    for row in rows:
        data = {name: getattr(row, name) for name in ESTIMATE_FIELDS}
        data["capacity"] = bool(data["capacity"])
        if data["event_id"] not in seen:
            data["event_id"] = None
        out.append(
            StoredEstimate(row.id, EstimateRecord(**data), _provenance(reader, row, sources))
        )
    return out


def read_judgments(
    reader: Reader, kinds: Sequence[str] | None = None, include_ended: bool = False
) -> list[StoredJudgment]:
    """The judgments ``reader``'s viewer may see (of ``kinds`` only, when given)."""
    query = _visible(reader, judgment, include_ended)
    if kinds is not None:
        query = query.where(judgment.c.kind.in_(list(kinds)))
    query = query.order_by(judgment.c.kind, judgment.c.key, judgment.c.id)
    with reader.store.engine.connect() as conn:
        rows = list(conn.execute(query, {"ids": list(reader.marking_ids)}))
    sources = {src["id"]: src for src in reader.sources()}
    out = []
    for row in rows:
        data = {name: getattr(row, name) for name in JUDGMENT_FIELDS}
        data["detail"] = json.loads(data["detail"] or "{}")
        out.append(
            StoredJudgment(row.id, JudgmentRecord(**data), _provenance(reader, row, sources))
        )
    return out


# -- events, by what they say (through the Reader's own filter) -----------------------------


def _shown_value(reader: Reader) -> ColumnElement[bool]:
    """Current statements the viewer gets, for values that are not links: such a statement
    grounds its own entity (the reader's existence rule), so the marking filter is all
    there is to apply — without evaluating existence over the whole store, which at a
    million entities took most of the report's time."""
    st = t.statement
    return and_(reader.allowed(), st.c.prop_type != "entity", st.c.prop != BASE_ID)


def event_ids_with(reader: Reader, prop: str, values: Sequence[str]) -> list[str]:
    """Ids of the Events the viewer may see with a current ``prop`` statement among
    ``values`` (the events of the sector taxonomy: ``keywords`` in its codes)."""
    st = t.statement
    query = (
        select(st.c.entity_id)
        .where(_shown_value(reader), st.c.schema == "Event", st.c.prop == prop)
        .where(st.c.value.in_(list(values)))
        .distinct()
        .order_by(st.c.entity_id)
    )
    with reader.store.engine.connect() as conn:
        return [row[0] for row in conn.execute(query)]


def event_dates(reader: Reader, first: str, last: str) -> list[tuple[str, str]]:
    """(event id, date) of the Events the viewer may see whose ``date`` statement sorts
    between ``first`` and ``last`` (ISO text, so partial dates sort with their period)."""
    st = t.statement
    query = (
        select(st.c.entity_id, func.min(st.c.value))
        .where(_shown_value(reader), st.c.schema == "Event", st.c.prop == "date")
        .where(st.c.value >= first, st.c.value <= last)
        .group_by(st.c.entity_id)
        .order_by(st.c.entity_id)
    )
    with reader.store.engine.connect() as conn:
        return [(row[0], row[1]) for row in conn.execute(query)]
