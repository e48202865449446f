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
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from followthemoney.statement.util import BASE_ID
from sqlalchemy import ColumnElement, Connection, Table, and_, bindparam, func, or_, select

from watchkeeper.errors import Forbidden, InputError, NotFound
from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.model.source import Source
from watchkeeper.store import schema as t
from watchkeeper.store.assessment_schema import estimate, judgment
from watchkeeper.store.writer import source_row

if TYPE_CHECKING:
    from watchkeeper.store.core import Store
    from watchkeeper.store.reader import Reader
    from watchkeeper.store.writer import Writer

HISTORY = ("first_seen", "last_seen", "ended_at")
CITE = ":cite:"
"""What the id of a source an item cites carries (:func:`~watchkeeper.assessment.loader.
citation_source`), as against the release's own source."""


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
        cited = source is not None and CITE in source.id
        if cited:
            assert source is not None
            marking_id = self.writer.store.marking_id(conn, marking or source.marking)
        else:
            marking_id = self._marking_id(marking, source)
        mark_key = (marking or (source or self.writer.source).marking).key
        text = json.dumps([self.dataset, content, mark_key], sort_keys=True, default=str)
        row_id = hashlib.sha1(text.encode("utf-8")).hexdigest()
        found = conn.execute(
            select(table.c.last_seen, table.c.ended_at).where(table.c.id == row_id)
        ).first()
        if found is None:
            marking_id = _carried_remark(conn, table, self.dataset, content["key"], marking_id)
            retracted = _carried_retraction(conn, table, self.dataset, content)
            source_id = (source or self.writer.source).id
            if cited:
                assert source is not None
                source_id = self._citation(source, marking_id)
            conn.execute(
                table.insert().values(
                    id=row_id,
                    dataset=self.dataset,
                    source_id=source_id,
                    marking_id=marking_id,
                    first_seen=self.seen,
                    last_seen=self.seen,
                    ended_at=None,
                    retracted_at=retracted,
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

    def _citation(self, source: Source, marking_id: int) -> str:
        """The id of the source row for a new item citing ``source`` under the item's own
        marking (``marking_id``, after any re-marking carried over). The row named by
        ``source.id`` serves when it has that marking; a re-marking may have moved it to
        another (:func:`_remarked_citation`), and then the item gets a copy of its own
        under the next free id (``…:cite:<hash>.1``, ``.2``...), so that an item others may
        see never points at a citation only the re-marking's audience may see."""
        conn = self.writer.conn
        for n in range(1000):
            cid = source.id if n == 0 else f"{source.id}.{n}"
            row = conn.execute(select(t.source.c.marking_id).where(t.source.c.id == cid)).first()
            if row is not None and row.marking_id == marking_id:
                return cid
            if row is None:
                conn.execute(t.source.insert().values(source_row(source, marking_id, cid)))
                return cid
        raise InputError(source.id, "too many copies of one citation under other markings")

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


def _carried_remark(conn: Connection, table: Table, dataset: str, key: str, marking_id: int) -> int:
    """The marking for a new row of ``key``: a re-marking of an earlier row of the item
    carries over to a release that restates it (changed, e.g. with a new date) under the
    marking it had before the re-marking; a release that marks it otherwise is obeyed."""
    audit = t.statement_audit
    earlier = conn.execute(
        select(table.c.id, table.c.marking_id)
        .where(table.c.dataset == dataset, table.c.key == key)
        .where(table.c.id.in_(select(audit.c.statement_id).where(audit.c.action == "remark")))
        .order_by(table.c.first_seen.desc(), table.c.id)
    ).first()
    if earlier is None:
        return marking_id
    original = conn.execute(
        select(audit.c.old_marking_id)
        .where(audit.c.statement_id == earlier.id, audit.c.action == "remark")
        .order_by(audit.c.id)
    ).first()
    if original is not None and original.old_marking_id == marking_id:
        return int(earlier.marking_id)
    return marking_id


def _carried_retraction(
    conn: Connection, table: Table, dataset: str, content: dict[str, Any]
) -> str | None:
    """A release restating a retracted item (the same content, only dated anew: an
    undated judgment takes its release's date) does not bring it back; a changed item
    (another figure, another text) is a new one, as a changed value is for statements."""
    retracted = conn.execute(
        select(table)
        .where(table.c.dataset == dataset, table.c.key == content["key"])
        .where(table.c.retracted_at.is_not(None))
        .order_by(table.c.first_seen.desc(), table.c.id)
    ).first()
    if retracted is None:
        return None
    same = all(
        getattr(retracted, name) == value for name, value in content.items() if name != "made_on"
    )
    return str(retracted.retracted_at) if same else None


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
    query = select(table).where(
        table.c.marking_id.in_(bindparam("ids", expanding=True)),
        table.c.retracted_at.is_(None),
        *reader.material_filter(table.c.source_id),
    )
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


# -- correcting markings: estimates and judgments are statements too ----------------------

KINDS: dict[str, Table] = {"estimate": estimate, "judgment": judgment}


@dataclass(frozen=True)
class Corrected:
    """One estimate or judgment row a correction applies to."""

    kind: str
    table: Table
    id: str
    key: str
    marking_id: int
    owner: str
    source_id: str

    @property
    def label(self) -> str:
        """How the audit names it (its ``entity_id`` column): kind and key."""
        return f"{self.kind}:{self.key}"[:255]


def owned_rows(store: Store, actor: Viewer, refs: Sequence[str], owner_org: str) -> list[Corrected]:
    """The estimate and judgment rows ``refs`` name (a row id, or an item's key: all its
    rows, current and ended, of the one dataset that has it) that ``actor`` may re-mark or
    retract: visible to it, not retracted, and its organisation's information (the
    marking's originator, else the workspace organisation ``owner_org``). A row the actor
    may not see is reported exactly as one that does not exist."""
    wanted = list(dict.fromkeys(r.strip() for r in refs if r.strip()))
    if not wanted:
        raise InputError("items", "no estimate or judgment given (row ids or keys)")
    visible = set(store.visible_marking_ids(actor))
    marks = store.markings()
    out: dict[str, Corrected] = {}
    with store.engine.connect() as conn:
        for ref in wanted:
            rows = []
            for kind, table in KINDS.items():
                query = select(
                    table.c.id, table.c.key, table.c.dataset, table.c.marking_id, table.c.source_id
                ).where(
                    or_(table.c.id == ref, table.c.key == ref),
                    table.c.retracted_at.is_(None),
                    table.c.marking_id.in_(list(visible)),
                )
                rows += [(kind, table, row) for row in conn.execute(query)]
            if not rows:
                raise NotFound(f"no estimate or judgment {ref!r}")
            datasets = sorted({row.dataset for _, _, row in rows})
            if len(datasets) > 1:
                raise InputError(
                    "items", f"{ref!r} is a key in {', '.join(datasets)}; give row ids instead"
                )
            for kind, table, row in rows:
                owner = marks[row.marking_id].originator or owner_org
                if owner != actor.organisation:
                    raise Forbidden(
                        f"{kind} {ref!r} is {owner}'s information; only {owner} may re-mark "
                        "or retract it"
                    )
                out[row.id] = Corrected(
                    kind, table, row.id, row.key, row.marking_id, owner, row.source_id
                )
    return list(out.values())


def remark_rows(
    store: Store,
    actor: Viewer,
    refs: Sequence[str],
    marking: Marking,
    *,
    by: str,
    reason: str,
    owner_org: str,
) -> int:
    """Give estimates or judgments a new marking in place (their history rows alike), as
    :meth:`Store.remark` does for statements; a later release repeating the item keeps
    the new marking. Recorded in the audit. Returns the rows changed."""
    if not reason.strip():
        raise InputError("--reason", "a reason is required")
    rows = owned_rows(store, actor, refs, owner_org)
    for row in rows:
        if marking.originator is not None and marking.originator != row.owner:
            raise InputError("--marking", f"a re-marking keeps the originator {row.owner!r}")
    return _correct(store, actor, rows, marking, by, reason)


def retract_rows(
    store: Store, actor: Viewer, refs: Sequence[str], *, by: str, reason: str, owner_org: str
) -> int:
    """Withdraw estimates or judgments from every view, for every viewer, current and
    history; a later release repeating them does not bring them back. Audited."""
    if not reason.strip():
        raise InputError("--reason", "a reason is required")
    rows = owned_rows(store, actor, refs, owner_org)
    return _correct(store, actor, rows, None, by, reason)


def _correct(
    store: Store,
    actor: Viewer,
    rows: list[Corrected],
    marking: Marking | None,
    by: str,
    reason: str,
) -> int:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    changed = 0
    conn = store.engine.connect()
    try:
        with conn.begin():
            store._take_write_lock(conn)
            for row in rows:
                if marking is None:
                    values: dict[str, Any] = {"retracted_at": now}
                    new_id = None
                else:
                    mark = marking
                    if mark.originator is None:
                        mark = replace(mark, originator=row.owner)
                    new_id = store.marking_id(conn, mark)
                    if new_id == row.marking_id:
                        continue
                    values = {"marking_id": new_id}
                    cited = _remarked_citation(conn, row, rows, mark, new_id)
                    if cited is not None:
                        values["source_id"] = cited
                conn.execute(row.table.update().where(row.table.c.id == row.id).values(**values))
                conn.execute(
                    t.statement_audit.insert().values(
                        at=now,
                        action="retract" if marking is None else "remark",
                        statement_id=row.id,
                        entity_id=row.label,
                        old_marking_id=row.marking_id,
                        new_marking_id=new_id,
                        organisation=actor.organisation,
                        decided_by=by,
                        reason=reason.strip(),
                        owner=row.owner,
                    )
                )
                changed += 1
    except BaseException:
        store.forget_uncommitted()
        raise
    finally:
        conn.close()
    return changed


def _remarked_citation(
    conn: Connection, row: Corrected, rows: list[Corrected], mark: Marking, mark_id: int
) -> str | None:
    """The report a re-marked item cites goes under the new marking too, as an import of
    the item so marked would have put it (:func:`~watchkeeper.assessment.loader.
    citation_source`): re-marked in place when nothing else current cites it, else copied
    under the new marking. Returns the row's new source id, or None when it keeps its
    own. A release's own source (an item without a citation) is left as it is."""
    if CITE not in row.source_id:
        return None
    moving = {r.id for r in rows if r.source_id == row.source_id}
    others = 0
    for table in KINDS.values():
        others += conn.execute(
            select(func.count()).where(
                table.c.source_id == row.source_id,
                table.c.retracted_at.is_(None),
                table.c.id.not_in(list(moving)),
            )
        ).scalar_one()
    if not others:
        conn.execute(
            t.source.update().where(t.source.c.id == row.source_id).values(marking_id=mark_id)
        )
        return None
    old = conn.execute(select(t.source).where(t.source.c.id == row.source_id)).mappings().one()
    digest = hashlib.sha1(f"{old['url']}|{mark.key}".encode()).hexdigest()[:12]
    new_id = f"{old['dataset']}:cite:{digest}"
    if conn.execute(select(t.source.c.id).where(t.source.c.id == new_id)).first() is None:
        conn.execute(t.source.insert().values(dict(old) | {"id": new_id, "marking_id": mark_id}))
    return new_id


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
