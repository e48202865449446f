"""The knowledge base's tables (SQLAlchemy Core). Alembic migrations create them.

Every value is a row of ``statement`` (FtM's statement model) pointing at the
``source`` it came from and at the ``marking`` that governs who may see it.
Dates are ISO 8601 text so they sort the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
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

# Reviewers' decisions on screening hits. ``fingerprint`` digests the listed entity as
# the reviewer saw it: when the entity changes, a dismissed hit is raised again.
screening_decision = Table(
    "screening_decision",
    metadata,
    Column("organisation", String(255), nullable=False, primary_key=True),
    Column("query_id", String(255), nullable=False, primary_key=True),
    Column("entity_id", String(255), nullable=False, primary_key=True),
    Column("decision", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_by", String(255), nullable=False),
    Column("decided_at", String(32), nullable=False),
    Column("fingerprint", String(64), nullable=False),
)

TABLES: tuple[Table, ...] = (marking, source, statement, organisation, screening_decision)

# Capabilities' own tables, declared in their own modules on this metadata.
from watchkeeper.store import web_tables as _web_tables  # noqa: E402

TABLES = (*TABLES, *_web_tables.TABLES)
