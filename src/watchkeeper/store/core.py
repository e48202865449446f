"""Opening the store, migrations, markings and organisations."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Select, create_engine, event, func, select, text
from sqlalchemy.exc import OperationalError

from watchkeeper.errors import (
    Busy,
    ConfigError,
    Conflict,
    Forbidden,
    InputError,
    NotFound,
)
from watchkeeper.model.marking import TLP, Marking, Viewer, check_country, may_see
from watchkeeper.model.source import Source
from watchkeeper.settings import Settings
from watchkeeper.store import schema as t
from watchkeeper.store.readcache import ReadCache
from watchkeeper.store.reader import ID_CHUNK

if TYPE_CHECKING:
    from watchkeeper.store.reader import Reader
    from watchkeeper.store.writer import Writer

MIGRATIONS = Path(__file__).parent / "migrations"
# How long a writer waits for another to finish before giving up (seconds).
WRITE_WAIT = 600.0
# Rows written by one import past which PostgreSQL's statistics are refreshed (``_analyze``).
ANALYZE_AFTER_ROWS = 50_000

# Statements derived from others: the maritime links (dataset wk_ais_links) say which
# known vessels an AIS event involves and whether they are sanctioned, under the markings
# of the facts they rest on when they were drawn. A re-marking or retraction of such a
# fact must reach them, or the conclusion would still tell what was corrected.
DERIVED_LINKS = "wk_ais_links"
MATCHED = {"imo": {"imoNumber"}, "mmsi": {"mmsi"}, "name": {"name", "alias", "previousName"}}
"""How a link says it matched its vessel ("Vessel matched by MMSI 1: imo") -> the
vessel's properties it rests on."""
PUBLIC = Viewer("", None)


def _frame(codes: frozenset[str] | None) -> str | None:
    """``{"KOR","USA"}`` -> ``",KOR,USA,"``: membership becomes a substring test."""
    if codes is None:
        return None
    return "," + ",".join(sorted(codes)) + "," if codes else ","


def _unframe(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    return frozenset(c for c in text.split(",") if c)


@dataclass(frozen=True)
class LatestRelease:
    id: str
    published: str
    date_assumed: bool


class Store:
    """A knowledge base on SQLite (embedded default) or PostgreSQL."""

    def __init__(self, engine: Engine, write_wait: float = WRITE_WAIT) -> None:
        self.engine = engine
        self.write_wait = write_wait
        self._markings: dict[int, Marking] = {}
        self._marking_ids: dict[str, int] = {}
        # What reads derive from the store, kept per store state (see readcache).
        self.read_cache = ReadCache(engine)
        # More statements than the existence rule is read whole for (``Reader.small``):
        # once true, true for good (statements are never deleted).
        self.found_large = False
        # Moved by every change of accounts or organisations made through this Store:
        # whoever caches resolved callers (the web guard) resolves them again.
        self.accounts_generation = 0

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "heads")

    # -- markings -------------------------------------------------------------------

    def _load_markings(self, conn: Connection) -> None:
        for row in conn.execute(select(t.marking)).mappings():
            if row["id"] in self._markings:
                continue
            mark = Marking(
                TLP.parse(row["tlp"]),
                _unframe(row["rel_to"]),
                row["originator"],
                _unframe(row["recipients"]) or frozenset(),
            )
            self._markings[row["id"]] = mark
            self._marking_ids[mark.key] = row["id"]

    def marking_id(self, conn: Connection, mark: Marking) -> int:
        """The id of ``mark``, created inside ``conn``'s transaction if new."""
        found = self._marking_ids.get(mark.key)
        if found is not None:
            return found
        self._load_markings(conn)
        found = self._marking_ids.get(mark.key)
        if found is not None:
            return found
        result = conn.execute(
            t.marking.insert().values(
                key=mark.key,
                tlp=mark.tlp.label,
                rel_to=_frame(mark.rel_to),
                originator=mark.originator,
                recipients=_frame(mark.recipients) or "",
            )
        )
        new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        # Not cached yet: the transaction may roll back. Readers reload from the table.
        return new_id

    def forget_uncommitted(self) -> None:
        """Drop cached markings after a rollback (ids may be reused)."""
        self._markings.clear()
        self._marking_ids.clear()
        self.read_cache.clear()

    def markings(self) -> dict[int, Marking]:
        with self.engine.connect() as conn:
            self._load_markings(conn)
        return dict(self._markings)

    def markings_at(self, stamp: tuple[Any, ...]) -> dict[int, Marking]:
        """Every marking, as of ``stamp`` (``read_cache.stamp()``); read once per stamp.
        Callers must not change the dict."""
        return self.read_cache.get(stamp, "markings", self.markings)

    def visible_marking_ids(
        self, viewer: Viewer, stamp: tuple[Any, ...] | None = None
    ) -> list[int]:
        """The ids of every marking ``viewer`` may see: the one place the rule is applied.
        Derived once per store state and viewer (organisation and country)."""
        stamp = stamp or self.read_cache.stamp()
        found = self.read_cache.get(
            stamp,
            ("visible markings", viewer),
            lambda: tuple(
                sorted(i for i, m in self.markings_at(stamp).items() if may_see(viewer, m))
            ),
        )
        return list(found)

    # -- organisations (the viewers the CLI and API can act as) ------------------------

    def add_organisation(self, name: str, country: str | None) -> Viewer:
        """Register a new organisation. An existing one is never overwritten here: its
        country decides what it may see, so changing it is ``update_organisation``."""
        viewer = Viewer(name.strip(), check_country(country) if country else None)
        if not viewer.organisation:
            raise InputError("organisation", "an organisation needs a name")
        with self.engine.begin() as conn:
            found = conn.execute(
                select(t.organisation).where(t.organisation.c.name == viewer.organisation)
            ).first()
            if found is not None:
                raise Conflict(
                    f"organisation {viewer.organisation!r} exists (country "
                    f"{found.country or 'none'}); change it with `watchkeeper org update "
                    f"{viewer.organisation} --country CODE --reason ...`"
                )
            conn.execute(
                t.organisation.insert().values(name=viewer.organisation, country=viewer.country)
            )
        return viewer

    def update_organisation(
        self, name: str, country: str | None, *, by: str, reason: str
    ) -> tuple[Viewer, Viewer]:
        """Change an organisation's country (what it may see changes with it), recorded
        with who, when and why. Returns the organisation before and after."""
        if not reason.strip():
            raise InputError("--reason", "a reason is required to change an organisation")
        before = self.organisation(name)
        after = Viewer(before.organisation, check_country(country) if country else None)
        with self.engine.begin() as conn:
            conn.execute(
                t.organisation.update()
                .where(t.organisation.c.name == before.organisation)
                .values(country=after.country)
            )
            conn.execute(
                t.organisation_change.insert().values(
                    at=_now(),
                    name=before.organisation,
                    old_country=before.country,
                    new_country=after.country,
                    decided_by=by,
                    reason=reason.strip(),
                )
            )
        self.accounts_generation += 1
        return before, after

    def organisation_changes(self, name: str | None = None) -> list[dict[str, Any]]:
        table = t.organisation_change
        query = select(table).order_by(table.c.id)
        if name is not None:
            query = query.where(table.c.name == name)
        with self.engine.connect() as conn:
            return [
                {k: v for k, v in row._mapping.items() if k != "id"} for row in conn.execute(query)
            ]

    def organisation(self, name: str) -> Viewer:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.organisation).where(t.organisation.c.name == name)).first()
        if row is None:
            raise NotFound(
                f"unknown organisation {name!r}: register it with "
                "`watchkeeper org add NAME --country CODE`"
            )
        return Viewer(row.name, row.country)

    def organisations(self) -> list[Viewer]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.organisation).order_by(t.organisation.c.name))
            return [Viewer(r.name, r.country) for r in rows]

    # -- sources ------------------------------------------------------------------------

    def has_source(self, source_id: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(select(t.source.c.id).where(t.source.c.id == source_id)).first()
        return found is not None

    def dataset_materials(self, dataset: str) -> set[str]:
        """The kinds of material (fact, simulated, exercise) the dataset's sources hold."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.source.c.material).where(t.source.c.dataset == dataset).distinct()
            )
            return {str(row[0]) for row in rows}

    def latest_release(self, dataset: str) -> LatestRelease | None:
        """The dataset's newest release: its source id, date, and whether that date was
        assumed rather than read from the file."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.source.c.id, t.source.c.published, t.source.c.date_assumed)
                .where(t.source.c.dataset == dataset, t.source.c.published.is_not(None))
                .order_by(t.source.c.published.desc(), t.source.c.id)
                .limit(1)
            ).first()
        return LatestRelease(row.id, row.published, bool(row.date_assumed)) if row else None

    def redate_release(self, source_id: str, published: str, *, by: str, reason: str) -> str:
        """Correct the date of a dataset's latest release (one assumed wrongly, say): the
        source and the dates its statements carry from it move together, recorded with
        who, when and why. Returns the old date."""
        if not reason.strip():
            raise InputError("--reason", "a reason is required to correct a release date")
        try:
            day = datetime.fromisoformat(published)
        except ValueError:
            raise InputError("date", f"not an ISO date: {published!r}") from None
        new = day.strftime("%Y-%m-%dT%H:%M:%S") if "T" in published else day.strftime("%Y-%m-%d")
        with self.engine.connect() as conn, conn.begin():
            self._take_write_lock(conn)
            row = conn.execute(select(t.source).where(t.source.c.id == source_id)).first()
            if row is None:
                raise NotFound(f"no source {source_id!r}")
            releases = conn.execute(
                select(t.source.c.id, t.source.c.published)
                .where(t.source.c.dataset == row.dataset, t.source.c.id != source_id)
                .where(t.source.c.published.is_not(None))
            ).all()
            if any(r.published > (row.published or "") for r in releases):
                raise InputError(
                    source_id, "only the latest release of a dataset can be given a new date"
                )
            earlier = max((r.published for r in releases), default=None)
            if earlier is not None and new <= earlier:
                raise InputError(
                    source_id, f"{new} is not after the dataset's previous release ({earlier})"
                )
            old = row.published
            conn.execute(
                t.source.update()
                .where(t.source.c.id == source_id)
                .values(published=new, date_assumed=False)
            )
            st = t.statement
            for column in (st.c.first_seen, st.c.last_seen, st.c.ended_at):
                conn.execute(
                    st.update()
                    .where(st.c.dataset == row.dataset, column == old)
                    .values({column.name: new})
                )
            conn.execute(
                t.source_change.insert().values(
                    at=_now(),
                    source_id=source_id,
                    old_published=old,
                    new_published=new,
                    decided_by=by,
                    reason=reason.strip(),
                )
            )
        return str(old)

    # -- the two paths ------------------------------------------------------------------

    @contextmanager
    def write(self, source: Source, *, full_release: bool) -> Iterator[Writer]:
        """One import = one transaction: all of it lands, or none of it does."""
        from watchkeeper.store.writer import Writer

        with self.engine.connect() as conn:
            trans = conn.begin()
            try:
                self._take_write_lock(conn)
                writer = Writer(self, conn, source, full_release=full_release)
                yield writer
                writer.finish()
                trans.commit()
            except BaseException:
                trans.rollback()
                self.forget_uncommitted()
                raise
            summary = writer.summary
            if summary.added + summary.reopened + summary.ended >= ANALYZE_AFTER_ROWS:
                self._analyze(conn)

    def _analyze(self, conn: Connection) -> None:
        """Refresh PostgreSQL's statistics of the statement table after a large write:
        until its autovacuum gets there, the planner reads a table it thinks empty, and
        network walks right after a 1 M-entity import took up to 16 s instead of 0.1 s.
        (SQLite plans from its indexes without statistics.)"""
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE statement"))
            conn.commit()

    def _take_write_lock(self, conn: Connection) -> None:
        """Wait for any other writer to finish (up to ``write_wait`` seconds), then hold
        the write lock until this transaction ends: writers queue, readers go on reading
        the last committed state (SQLite in WAL mode; PostgreSQL's snapshots)."""
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"SET LOCAL lock_timeout = '{int(self.write_wait * 1000)}ms'"))
        try:
            self._bump(conn)
        except OperationalError as exc:
            if "lock" not in str(exc.orig).lower():
                raise
            raise Busy(
                f"another import is writing to this workspace and did not finish within "
                f"{self.write_wait:.0f} s; try again when it has"
            ) from None

    @staticmethod
    def _bump(conn: Connection) -> None:
        """Move the revision counter: the first statement of every write transaction, so
        that it also takes the write lock before anything is read (writers queue here)."""
        conn.execute(t.store_revision.update().values(revision=t.store_revision.c.revision + 1))

    # -- correcting markings ----------------------------------------------------------------

    def owned_statements(
        self, actor: Viewer, statement_ids: Sequence[str], owner_org: str
    ) -> list[Any]:
        """The rows of ``statement_ids`` that ``actor`` may re-mark or retract: visible to
        it, not retracted, and its organisation's information (the marking's originator;
        for a value with no originator, the workspace organisation ``owner_org``). A
        statement the actor may not see is reported exactly as one that does not exist."""
        wanted = list(dict.fromkeys(statement_ids))
        if not wanted:
            raise InputError("statements", "no statement given")
        visible = set(self.visible_marking_ids(actor))
        marks = self.markings()
        rows: dict[str, Any] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), ID_CHUNK):
                chunk = wanted[i : i + ID_CHUNK]
                for row in conn.execute(
                    select(t.statement).where(
                        t.statement.c.id.in_(chunk), t.statement.c.retracted_at.is_(None)
                    )
                ):
                    if row.marking_id in visible:
                        rows[row.id] = row
        # Visible as the actor's reader shows it: of an entity that exists for it and, for
        # a link, pointing at one (an answer that differed for a hidden link target would
        # reveal the target).
        ends = {r.entity_id for r in rows.values()}
        ends |= {r.value for r in rows.values() if r.prop_type == "entity"}
        existing = self.read(actor).existing_among(ends, include_ended=True) if ends else set()
        rows = {
            key: r
            for key, r in rows.items()
            if r.entity_id in existing and (r.prop_type != "entity" or r.value in existing)
        }
        for statement_id in wanted:
            found = rows.get(statement_id)
            if found is None:
                raise NotFound(
                    f"no statement {statement_id!r}", template="no statement {id}", id=statement_id
                )
            originator = marks[found.marking_id].originator
            owner = originator or owner_org
            if owner != actor.organisation:
                raise Forbidden(
                    f"statement {statement_id!r} is {owner}'s information; only {owner} may "
                    "re-mark or retract it",
                    template="this value is {owner}'s information; only {owner} may re-mark "
                    "or retract it",
                    owner=owner,
                )
        return [rows[i] for i in wanted]

    def remark(
        self,
        actor: Viewer,
        statement_ids: Sequence[str],
        marking: Marking,
        *,
        by: str,
        reason: str,
        owner_org: str,
    ) -> set[str]:
        """Give statements a new marking, in place: current and ended readings alike, so a
        viewer no longer cleared sees nothing of the value, not even as history. Recorded
        in the audit. Returns the entities changed (derived indexes re-read them)."""
        if not reason.strip():
            raise InputError("--reason", "a reason is required")
        rows = self.owned_statements(actor, statement_ids, owner_org)
        marks = self.markings()
        now = _now()
        changed: set[str] = set()
        moved: list[Any] = []
        with self.engine.connect() as conn, conn.begin():
            self._take_write_lock(conn)
            for row in rows:
                old = marks[row.marking_id]
                owner = old.originator or owner_org
                new = marking
                if new.originator is None:
                    new = replace(new, originator=owner)
                elif new.originator != owner:
                    raise InputError("--originator", f"a re-marking keeps the originator {owner!r}")
                new_id = self.marking_id(conn, new)
                if new_id == row.marking_id:
                    continue
                conn.execute(
                    t.statement.update()
                    .where(t.statement.c.id == row.id)
                    .values(marking_id=new_id, own_marking=True)
                )
                conn.execute(
                    t.statement_audit.insert().values(
                        at=now,
                        action="remark",
                        statement_id=row.id,
                        entity_id=row.entity_id,
                        old_marking_id=row.marking_id,
                        new_marking_id=new_id,
                        organisation=actor.organisation,
                        decided_by=by,
                        reason=reason.strip(),
                        owner=owner,
                    )
                )
                changed.add(row.entity_id)
                moved.append(row)
            # the owner of every row is the actor's organisation (owned_statements)
            for row in self._derived_from(conn, moved):
                new = _stricter(marks[row.marking_id], marking, actor.organisation)
                new_id = self.marking_id(conn, new)
                if new_id == row.marking_id:
                    continue
                conn.execute(
                    t.statement.update()
                    .where(t.statement.c.id == row.id)
                    .values(marking_id=new_id, own_marking=True)
                )
                self._audit_derived(conn, row, "remark", now, actor, by, reason, new_id)
                changed.add(row.entity_id)
        return changed

    def _derived_from(self, conn: Connection, rows: Sequence[Any]) -> list[Any]:
        """The derived statements (current and ended, not retracted) that rest on
        ``rows``: the maritime links of events involving a vessel whose matching property
        (as the link says it matched) or whose sanction (a Sanction's ``entity``) is among
        them."""
        by_vessel: dict[str, set[str]] = {}
        for r in rows:
            if r.schema == "Sanction" and r.prop == "entity":
                by_vessel.setdefault(r.value, set()).add("sanction")
            elif any(r.prop in props for props in MATCHED.values()):
                by_vessel.setdefault(r.entity_id, set()).add(r.prop)
        if not by_vessel:
            return []
        st = t.statement
        events: dict[str, set[str]] = {}
        vessels = sorted(by_vessel)
        for i in range(0, len(vessels), ID_CHUNK):
            for event_id, vessel in conn.execute(
                select(st.c.entity_id, st.c.value).where(
                    st.c.dataset == DERIVED_LINKS,
                    st.c.prop == "involved",
                    st.c.value.in_(vessels[i : i + ID_CHUNK]),
                )
            ):
                events.setdefault(event_id, set()).add(vessel)
        out: list[Any] = []
        ids = sorted(events)
        for i in range(0, len(ids), ID_CHUNK):
            found = list(
                conn.execute(
                    select(st).where(
                        st.c.dataset == DERIVED_LINKS,
                        st.c.entity_id.in_(ids[i : i + ID_CHUNK]),
                        st.c.retracted_at.is_(None),
                    )
                )
            )
            rests: dict[str, set[str]] = {}  # event -> the vessel properties it rests on
            for r in found:
                if r.prop == "notes" and r.value.startswith("Vessel matched by"):
                    for how in MATCHED:
                        if r.value.endswith(f": {how}") or f": {how};" in r.value:
                            rests.setdefault(r.entity_id, set()).update(MATCHED[how])
            for r in found:
                props = rests.get(r.entity_id, set()) | {"sanction"}
                if any(by_vessel[v] & props for v in events[r.entity_id]):
                    out.append(r)
        return out

    def _audit_derived(
        self,
        conn: Connection,
        row: Any,
        action: str,
        now: str,
        actor: Viewer,
        by: str,
        reason: str,
        new_id: int | None,
    ) -> None:
        """A derived statement's correction, in the audit of the owner of the fact it
        followed (what the conclusion was, and why it changed, is that owner's)."""
        conn.execute(
            t.statement_audit.insert().values(
                at=now,
                action=action,
                statement_id=row.id,
                entity_id=row.entity_id,
                old_marking_id=row.marking_id,
                new_marking_id=new_id,
                organisation=actor.organisation,
                decided_by=by,
                reason=f"derived from a corrected statement: {reason.strip()}",
                owner=actor.organisation,
            )
        )

    def retract(
        self,
        actor: Viewer,
        statement_ids: Sequence[str],
        *,
        by: str,
        reason: str,
        owner_org: str,
    ) -> set[str]:
        """Withdraw statements from every view, for every viewer, current and history; a
        later release repeating the value does not bring it back. Recorded in the audit."""
        if not reason.strip():
            raise InputError("--reason", "a reason is required")
        rows = self.owned_statements(actor, statement_ids, owner_org)
        marks = self.markings()
        now = _now()
        with self.engine.connect() as conn, conn.begin():
            self._take_write_lock(conn)
            for row in rows:
                conn.execute(
                    t.statement.update().where(t.statement.c.id == row.id).values(retracted_at=now)
                )
                conn.execute(
                    t.statement_audit.insert().values(
                        at=now,
                        action="retract",
                        statement_id=row.id,
                        entity_id=row.entity_id,
                        old_marking_id=row.marking_id,
                        new_marking_id=None,
                        organisation=actor.organisation,
                        decided_by=by,
                        reason=reason.strip(),
                        owner=marks[row.marking_id].originator or owner_org,
                    )
                )
            changed = {row.entity_id for row in rows}
            for row in self._derived_from(conn, rows):
                conn.execute(
                    t.statement.update().where(t.statement.c.id == row.id).values(retracted_at=now)
                )
                self._audit_derived(conn, row, "retract", now, actor, by, reason, None)
                changed.add(row.entity_id)
        return changed

    def read(self, viewer: Viewer) -> Reader:
        from watchkeeper.store.reader import Reader

        return Reader(self, viewer)

    # -- bulk reads for derived indexes (screening) ---------------------------------------

    def version(self) -> str:
        """Changes with every write (imports, re-markings, retractions): the store's
        instance and its revision counter, which each write moves in its transaction."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.store_revision.c.instance, t.store_revision.c.revision)
            ).one()
        return f"{row.instance[:12]}-{row.revision}"

    def correction_mark(self) -> int:
        """How far the corrections (re-markings, retractions) have gone: the last one's
        number, 0 before any. A derived index made at one mark must re-read the entities
        ``corrected_since`` it before it answers again: a correction takes away what a
        viewer may see, and must not wait for a background refresh."""
        with self.engine.connect() as conn:
            found = conn.execute(select(func.max(t.statement_audit.c.id))).scalar()
        return int(found or 0)

    def corrected_since(self, mark: int) -> set[str]:
        """The entities corrected after ``mark`` (``correction_mark``)."""
        query = select(t.statement_audit.c.entity_id).where(t.statement_audit.c.id > mark)
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(query.distinct())}

    def current_values(
        self, props: Sequence[str], entity_ids: Collection[str] | None = None
    ) -> Iterator[tuple[str, str, str, str, int, str]]:
        """(entity_id, schema, prop, value, marking_id, dataset) of current statements of
        ``props`` (of ``entity_ids`` only, when given), for every marking, grouped by
        entity: callers that derive data from it must carry the marking along and filter
        by the viewer when they answer."""
        st = t.statement
        query = select(
            st.c.entity_id, st.c.schema, st.c.prop, st.c.value, st.c.marking_id, st.c.dataset
        ).where(st.c.prop.in_(list(props)), st.c.ended_at.is_(None), st.c.retracted_at.is_(None))
        chunks: Iterable[list[str] | None] = [None]
        if entity_ids is not None:
            ordered = sorted(entity_ids)
            chunks = (ordered[i : i + ID_CHUNK] for i in range(0, len(ordered), ID_CHUNK))
        with self.engine.connect() as conn:
            for chunk in chunks:
                where = query if chunk is None else query.where(st.c.entity_id.in_(chunk))
                result = conn.execution_options(stream_results=True, yield_per=5000).execute(
                    where.order_by(st.c.entity_id)
                )
                for row in result:
                    yield (row[0], row[1], row[2], row[3], row[4], row[5])

    def current_schemas(
        self, entity_ids: Collection[str] | None = None
    ) -> Iterator[tuple[str, str, int]]:
        """(entity_id, schema, marking_id), distinct, of the current statements that are
        not links: which schema each marking says an entity has (a viewer's schema is the
        one its visible statements give)."""
        st = t.statement
        query = (
            select(st.c.entity_id, st.c.schema, st.c.marking_id)
            .where(st.c.ended_at.is_(None), st.c.retracted_at.is_(None), st.c.prop_type != "entity")
            .distinct()
        )
        chunks: Iterable[list[str] | None] = [None]
        if entity_ids is not None:
            ordered = sorted(entity_ids)
            chunks = (ordered[i : i + ID_CHUNK] for i in range(0, len(ordered), ID_CHUNK))
        with self.engine.connect() as conn:
            for chunk in chunks:
                where = query if chunk is None else query.where(st.c.entity_id.in_(chunk))
                result = conn.execution_options(stream_results=True, yield_per=5000).execute(where)
                for row in result:
                    yield (row[0], row[1], row[2])

    def linked(self, entity_ids: Collection[str], props: Sequence[str]) -> set[str]:
        """Values of ``props`` (links such as a Sanction's ``entity``) that statements of
        ``entity_ids`` carry or carried, current or ended."""
        st = t.statement
        return self._first_column(
            entity_ids,
            lambda chunk: select(st.c.value).where(
                st.c.entity_id.in_(chunk), st.c.prop.in_(list(props))
            ),
        )

    def linking(self, values: Collection[str], props: Sequence[str]) -> set[str]:
        """Entities whose current ``props`` statements point at one of ``values``."""
        st = t.statement
        return self._first_column(
            values,
            lambda chunk: select(st.c.entity_id).where(
                st.c.value.in_(chunk),
                st.c.prop_type == "entity",  # the partial index of links
                st.c.prop.in_(list(props)),
                st.c.ended_at.is_(None),
                st.c.retracted_at.is_(None),
            ),
        )

    def _first_column(
        self, keys: Collection[str], query: Callable[[list[str]], Select[Any]]
    ) -> set[str]:
        """The first column of ``query`` run over ``keys`` in IN lists of ID_CHUNK."""
        ordered = sorted(keys)
        found: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(ordered), ID_CHUNK):
                found.update(row[0] for row in conn.execute(query(ordered[i : i + ID_CHUNK])))
        return found

    # -- review decisions on screening hits ----------------------------------------------

    def record_decision(self, decision: dict[str, Any]) -> dict[str, Any]:
        """Append a decision to the organisation's log (nothing is updated or deleted:
        a reopening or a new verdict supersedes the earlier row); the row with its id."""
        table = t.screening_decision
        with self.engine.begin() as conn:
            found = conn.execute(table.insert().values(**decision).returning(table.c.id))
            return {"id": int(found.scalar_one()), **decision}

    def decisions(self, organisation: str) -> list[dict[str, Any]]:
        """The organisation's decision log, oldest first."""
        table = t.screening_decision
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table).where(table.c.organisation == organisation).order_by(table.c.id)
            )
            return [dict(r._mapping) for r in rows]

    def decisions_mark(self, organisation: str) -> int:
        """The id of the organisation's newest decision (0 before its first): it moves
        with every decision, so that what was derived from the log can be kept until
        then (decisions do not move the store's read state)."""
        table = t.screening_decision
        with self.engine.connect() as conn:
            found = conn.execute(
                select(func.max(table.c.id)).where(table.c.organisation == organisation)
            ).scalar()
            return int(found or 0)

    # -- integrity ------------------------------------------------------------------------

    def digest(self) -> str:
        """A digest of every row of every table: equal digests, equal stores."""
        digest = hashlib.sha256()
        with self.engine.connect() as conn:
            for table in t.TABLES:
                pk = list(table.primary_key.columns)
                digest.update(table.name.encode())
                for row in conn.execute(select(table).order_by(*pk)):
                    digest.update(repr(tuple(row)).encode())
        return digest.hexdigest()

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                table.name: int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)
                for table in t.TABLES
            }


def private_dir(path: Path) -> None:
    """A folder of the workspace: created readable by its owner only (0700). Restricted
    values are stored in clear in it, so an existing one of ours is tightened too."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid():
        path.chmod(0o700)


def private_file(path: Path) -> None:
    """A workspace file (the SQLite store and its journals): 0600, created so before any
    byte is written into it."""
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if each == path and not each.exists() and each.parent.exists():
            os.close(os.open(each, os.O_CREAT | os.O_WRONLY, 0o600))
        if each.exists() and each.stat().st_uid == os.getuid():
            each.chmod(0o600)


def _stricter(old: Marking, marking: Marking, owner: str) -> Marking:
    """The marking of a derived statement after a fact it rests on was re-marked
    ``marking`` by ``owner``: no more releasable than it was, nor than the fact now is
    (two different restrictive markings cannot be combined safely: TLP:RED for the
    fact's owner, as the maritime linker does)."""
    if marking.originator is None:
        marking = replace(marking, originator=owner)
    restricted = {m for m in (old, marking) if not may_see(PUBLIC, m)}
    if not restricted:
        return old
    if len(restricted) == 1:
        return next(iter(restricted))
    return Marking(TLP.RED, originator=owner)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


# Bytes of a SQLite store read through a memory map (the whole of the stores seen so far).
SQLITE_MMAP = 1 << 30


def _sqlite_pragmas(write_wait: float) -> Callable[[Any, Any], None]:
    def configure(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Readers read the last committed state while a writer writes (no "database is
        # locked" for them); a writer waits its turn for up to write_wait.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(write_wait * 1000)}")
        # Pages read through the operating system's cache, mapped rather than copied
        # into each connection (SQLite keeps 2 MB per connection by default): one copy
        # shared by every connection and process, and no system call per page.
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP}")
        cursor.close()

    return configure


def open_store(settings: Settings | str) -> Store:
    """Open (and migrate) the store named by ``settings`` or a SQLAlchemy URL."""
    url = settings if isinstance(settings, str) else settings.store_url
    write_wait = WRITE_WAIT if isinstance(settings, str) else settings.write_wait
    if url.startswith("sqlite:///") and not isinstance(settings, str):
        private_dir(settings.home)
    # PostgreSQL's JIT compiles a query when its estimated cost is high, and the
    # existence rule's recursive query is estimated at billions of rows: reads of a few
    # ids at 1 M entities spent ~0.3 s compiling, more than running. These are short reads.
    connect_args = {"options": "-c jit=off"} if url.startswith("postgresql") else {}
    engine = create_engine(url, future=True, connect_args=connect_args)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        private_file(Path(str(engine.url.database)))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(write_wait))
    store = Store(engine, write_wait)
    try:
        store.migrate()
    except OperationalError as exc:
        raise ConfigError(f"cannot open the store at {engine.url!r}: {exc.orig}") from None
    return store
