"""The knowledge base's tables (SQLAlchemy Core). Alembic migrations create them.

Every value is a row of ``statement`` (FtM's statement model) pointing at the
``source`` it came from and at the ``marking`` that governs who may see it.
Dates are ISO 8601 text so they sort the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    false,
)

metadata = MetaData()

marking = Table(
    "marking",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(2048), nullable=False, unique=True),
    Column("tlp", String(16), nullable=False),
    # Comma-framed lists (",KOR,USA,") so membership is a plain LIKE on both engines;
    # NULL rel_to means "no country restriction", which differs from an empty list.
    Column("rel_to", Text, nullable=True),
    Column("originator", String(255), nullable=True),
    Column("recipients", Text, nullable=False, default=""),
)

source = Table(
    "source",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("dataset", String(255), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("title", Text, nullable=False),
    Column("publisher", Text, nullable=False),
    Column("reliability", String(1), nullable=False),
    Column("url", Text, nullable=True),
    Column("published", String(32), nullable=True),
    Column("retrieved", String(32), nullable=False),
    Column("checksum", String(128), nullable=True),
    Column("marking_id", Integer, ForeignKey("marking.id"), nullable=False),
    # The file carried no release date and ``published`` was assumed (its modification
    # time): shown as such, and correctable (``source_change``).
    Column("date_assumed", Boolean, nullable=False, default=False, server_default=false()),
    # fact, simulated or exercise (model/source.py MATERIALS): analytic products read
    # facts only (Reader.for_analysis). Migration 0011_source_material.
    Column("material", String(16), nullable=False, default="fact", server_default="fact"),
)

statement = Table(
    "statement",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("entity_id", String(255), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("prop", String(64), nullable=False),
    Column("prop_type", String(32), nullable=False),
    Column("value", Text, nullable=False),
    Column("lang", String(8), nullable=True),
    Column("original_value", Text, nullable=True),
    Column("dataset", String(255), nullable=False),
    Column("source_id", String(255), ForeignKey("source.id"), nullable=False),
    # The effective marking: the statement's own, or its source's when it has none.
    Column("marking_id", Integer, ForeignKey("marking.id"), nullable=False),
    Column("own_marking", Boolean, nullable=False, default=False),
    Column("credibility", SmallInteger, nullable=True),
    Column("first_seen", String(32), nullable=True),
    Column("last_seen", String(32), nullable=True),
    # Set when a newer release of the dataset no longer carries the value (a delisting,
    # a changed name...). History is never deleted: ended statements stay.
    Column("ended_at", String(32), nullable=True),
    # Set when an analyst withdraws the value: it leaves every view, current and history,
    # for every viewer, and stays only in the audit (``statement_audit``).
    Column("retracted_at", String(32), nullable=True),
)
Index("ix_statement_entity", statement.c.entity_id, statement.c.marking_id)
Index("ix_statement_dataset", statement.c.dataset, statement.c.ended_at)
# Reverse look-ups of links (who points at this entity?). Partial, because a btree on
# every long text value would break PostgreSQL's index row size limit.
Index(
    "ix_statement_entity_ref",
    statement.c.value,
    postgresql_where=statement.c.prop_type == "entity",
    sqlite_where=statement.c.prop_type == "entity",
)

organisation = Table(
    "organisation",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("country", String(3), nullable=True),
)

# Reviewers' decisions on screening hits: an append-only log (a new verdict or a reopening
# is a new row that ``supersedes`` the one before; nothing is updated or deleted). A row is
# bound to the record screened (``query_id`` and ``record_hash``, a digest of every
# property screened, kept in ``record`` as JSON) and to the candidate as the organisation
# saw it (``fingerprint``, its version): a different record or a changed candidate is
# screened afresh. ``score``, ``explanation``, ``release`` (the list releases the
# candidate came from) and ``config`` (the screening configuration's digest) let the
# decision be replayed. Rows from before migration 0010 have an empty ``record_hash``.
screening_decision = Table(
    "screening_decision",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("organisation", String(255), nullable=False),
    Column("query_id", String(255), nullable=False),
    Column("record_hash", String(64), nullable=False, server_default=""),
    Column("entity_id", String(255), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_by", String(255), nullable=False),
    Column("decided_at", String(32), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("record", Text, nullable=False, server_default=""),
    Column("score", Float, nullable=True),
    Column("explanation", Text, nullable=False, server_default=""),
    Column("release", Text, nullable=False, server_default=""),
    Column("config", String(64), nullable=False, server_default=""),
    Column("supersedes", Integer, nullable=True),
    Index("ix_screening_decision_lookup", "organisation", "query_id", "entity_id"),
)

# Re-markings and retractions of statements: who, when, why, the marking before and
# after. Readable only by ``owner``, the organisation the statement's information came
# from (its marking's originator, or the workspace organisation for unowned values).
statement_audit = Table(
    "statement_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("action", String(16), nullable=False),
    Column("statement_id", String(64), nullable=False, index=True),
    Column("entity_id", String(255), nullable=False),
    Column("old_marking_id", Integer, ForeignKey("marking.id"), nullable=False),
    Column("new_marking_id", Integer, ForeignKey("marking.id"), nullable=True),
    Column("organisation", String(255), nullable=False),
    Column("decided_by", String(255), nullable=False),
    Column("reason", Text, nullable=False),
    Column("owner", String(255), nullable=False, index=True),
)

# Changes to an organisation's country (which decides what that partner may see): an
# explicit, recorded act.
organisation_change = Table(
    "organisation_change",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("name", String(255), nullable=False, index=True),
    Column("old_country", String(3), nullable=True),
    Column("new_country", String(3), nullable=True),
    Column("decided_by", String(255), nullable=False),
    Column("reason", Text, nullable=False),
)

# Corrections of a release's date, recorded.
source_change = Table(
    "source_change",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("source_id", String(255), nullable=False, index=True),
    Column("old_published", String(32), nullable=True),
    Column("new_published", String(32), nullable=True),
    Column("decided_by", String(255), nullable=False),
    Column("reason", Text, nullable=False),
)

# One row: a counter every write moves, so that derived data (the screening index)
# knows it is stale even when a write changes no count or date (a re-marking).
store_revision = Table(
    "store_revision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("instance", String(32), nullable=False),
)

TABLES: tuple[Table, ...] = (
    marking,
    source,
    statement,
    organisation,
    screening_decision,
    statement_audit,
    organisation_change,
    source_change,
    store_revision,
)

# Maritime: acknowledgements of alerts, per organisation (who, when, a note); SQL in
# store/alerts.py. Migration 0004_maritime.
maritime_alert_ack = Table(
    "maritime_alert_ack",
    metadata,
    Column("organisation", String(255), nullable=False, primary_key=True),
    Column("alert_id", String(255), nullable=False, primary_key=True),
    Column("acknowledged_by", String(255), nullable=False),
    Column("acknowledged_at", String(32), nullable=False),
    Column("note", Text, nullable=False, default=""),
)
TABLES = (*TABLES, maritime_alert_ack)
# Tables of capabilities declared in modules of their own (imported last: they add
# themselves to ``metadata``).
from watchkeeper.store import assessment_schema  # noqa: E402

TABLES = (*TABLES, *assessment_schema.TABLES)

# Investigations (judgments, the xref review queue, watches): see investigations_schema.py.
from watchkeeper.store.investigations_schema import define as _investigations  # noqa: E402

judgment, xref_candidate, watch = _investigations(metadata)
TABLES = (*TABLES, judgment, xref_candidate, watch)

# yente's export metadata (datasets, referents, first/last seen): see origin_schema.py.
from watchkeeper.store import origin_schema as _origin  # noqa: E402

TABLES = (*TABLES, *_origin.TABLES)

# The workbench's accounts, tokens, sessions and audit trail: see web_tables.py.
from watchkeeper.store import web_tables as _web_tables  # noqa: E402

TABLES = (*TABLES, *_web_tables.TABLES)

# Partner sharing (the release log, partners' keys, partners' STIX objects): see
# sharing_schema.py.
from watchkeeper.store.sharing_schema import define as _sharing  # noqa: E402

share_release, share_key, share_object = _sharing(metadata)
TABLES = (*TABLES, share_release, share_key, share_object)

# Decisions on screened shipment lines (export controls): see goods_schema.py.
from watchkeeper.store.goods_schema import define as _goods  # noqa: E402

goods_decision = _goods(metadata)
TABLES = (*TABLES, goods_decision)
