"""Opening the store, migrations, markings and organisations."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Select, create_engine, event, func, select
from sqlalchemy.exc import OperationalError

from watchkeeper.errors import ConfigError, NotFound, WatchkeeperError
from watchkeeper.model.marking import TLP, Marking, Viewer, may_see
from watchkeeper.model.source import Source
from watchkeeper.settings import Settings
from watchkeeper.store import schema as t

if TYPE_CHECKING:
    from watchkeeper.store.reader import Reader
    from watchkeeper.store.writer import Writer

MIGRATIONS = Path(__file__).parent / "migrations"
# Entity ids per IN list in reads by entity (well under every driver's parameter limit).
ID_CHUNK = 1000


def _frame(codes: frozenset[str] | None) -> str | None:
    """``{"KOR","USA"}`` -> ``",KOR,USA,"``: membership becomes a substring test."""
    if codes is None:
        return None
    return "," + ",".join(sorted(codes)) + "," if codes else ","


def _unframe(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    return frozenset(c for c in text.split(",") if c)


class Store:
    """A knowledge base on SQLite (embedded default) or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._markings: dict[int, Marking] = {}
        self._marking_ids: dict[str, int] = {}

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

    def markings(self) -> dict[int, Marking]:
        with self.engine.connect() as conn:
            self._load_markings(conn)
        return dict(self._markings)

    def visible_marking_ids(self, viewer: Viewer) -> list[int]:
        """The ids of every marking ``viewer`` may see: the one place the rule is applied."""
        return sorted(i for i, mark in self.markings().items() if may_see(viewer, mark))

    # -- organisations (the viewers the CLI and API can act as) ------------------------

    def add_organisation(self, name: str, country: str | None) -> Viewer:
        viewer = Viewer(name.strip(), country.upper() if country else None)
        if not viewer.organisation:
            raise WatchkeeperError("an organisation needs a name")
        with self.engine.begin() as conn:
            conn.execute(
                t.organisation.delete().where(t.organisation.c.name == viewer.organisation)
            )
            conn.execute(
                t.organisation.insert().values(name=viewer.organisation, country=viewer.country)
            )
        return viewer

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

    def latest_release(self, dataset: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.max(t.source.c.published)).where(t.source.c.dataset == dataset)
            ).scalar()

    # -- the two paths ------------------------------------------------------------------

    @contextmanager
    def write(self, source: Source, *, full_release: bool) -> Iterator[Writer]:
        """One import = one transaction: all of it lands, or none of it does."""
        from watchkeeper.store.writer import Writer

        with self.engine.connect() as conn:
            trans = conn.begin()
            try:
                writer = Writer(self, conn, source, full_release=full_release)
                yield writer
                writer.finish()
                trans.commit()
            except BaseException:
                trans.rollback()
                self.forget_uncommitted()
                raise

    def read(self, viewer: Viewer) -> Reader:
        from watchkeeper.store.reader import Reader

        return Reader(self, viewer)

    # -- bulk reads for derived indexes (screening) ---------------------------------------

    def version(self) -> str:
        """A cheap fingerprint that changes whenever an import changes the statements."""
        st = t.statement
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    func.count(),
                    func.count(st.c.ended_at),
                    func.max(st.c.last_seen),
                    func.max(st.c.first_seen),
                    select(func.count()).select_from(t.source).scalar_subquery(),
                )
            ).one()
        return hashlib.sha256(repr(tuple(row)).encode()).hexdigest()[:16]

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
        ).where(st.c.prop.in_(list(props)), st.c.ended_at.is_(None))
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

    def record_decision(self, decision: dict[str, str]) -> None:
        table = t.screening_decision
        keys = {k: decision[k] for k in ("organisation", "query_id", "entity_id")}
        with self.engine.begin() as conn:
            conn.execute(table.delete().where(*(table.c[k] == v for k, v in keys.items())))
            conn.execute(table.insert().values(**decision))

    def decisions(self, organisation: str) -> list[dict[str, str]]:
        table = t.screening_decision
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table)
                .where(table.c.organisation == organisation)
                .order_by(table.c.decided_at, table.c.query_id, table.c.entity_id)
            )
            return [dict(r._mapping) for r in rows]

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


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Readers never wait for a writer (WAL: they read the last committed state), and a
    # writer waits its turn for a while rather than failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def open_store(settings: Settings | str) -> Store:
    """Open (and migrate) the store named by ``settings`` or a SQLAlchemy URL."""
    url = settings if isinstance(settings, str) else settings.store_url
    if url.startswith("sqlite:///") and not isinstance(settings, str):
        settings.home.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine)
    try:
        store.migrate()
    except OperationalError as exc:
        raise ConfigError(f"cannot open the store at {engine.url!r}: {exc.orig}") from None
    return store
