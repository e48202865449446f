"""Tables of the investigations capability: judgments on pairs of entities, the xref
review queue, and watched entities. ``store/schema.py`` picks them up at its end.

Defined on a metadata handed in (not imported from ``schema``), so that this module can
be imported on its own without an import cycle.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)


def define(metadata: MetaData) -> tuple[Table, Table, Table]:
    # One row per judgment, never updated nor deleted: a later judgment on the same pair
    # supersedes an earlier one. ``marking_id`` says who may see it (and so the merge it
    # makes); ``rule`` names the automatic rule that made it, if one did.
    judgment = Table(
        "judgment",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("organisation", String(255), nullable=False),
        Column("left_id", String(255), nullable=False),
        Column("right_id", String(255), nullable=False),
        Column("verdict", String(16), nullable=False),
        Column("decided_by", String(255), nullable=False),
        Column("decided_at", String(32), nullable=False),
        Column("reason", Text, nullable=False),
        Column("rule", String(64), nullable=True),
        Column("evidence", Text, nullable=False, default=""),
        Column("marking_id", Integer, ForeignKey("marking.id"), nullable=False),
    )
    Index("ix_judgment_pair", judgment.c.left_id, judgment.c.right_id)
    Index("ix_judgment_marking", judgment.c.marking_id)
    # The pairs an organisation's last xref run put up for review (replaced by the next
    # run): only "which pairs to look at"; scores are computed again when shown.
    xref_candidate = Table(
        "xref_candidate",
        metadata,
        Column("organisation", String(255), primary_key=True),
        Column("left_id", String(255), primary_key=True),
        Column("right_id", String(255), primary_key=True),
        Column("score", Float, nullable=False),
        Column("created_at", String(32), nullable=False),
    )
    # Entities an organisation watches: a designation within ``hops`` of one, found in a
    # release imported after ``since``, is an alert.
    watch = Table(
        "watch",
        metadata,
        Column("organisation", String(255), primary_key=True),
        Column("entity_id", String(255), primary_key=True),
        Column("hops", Integer, nullable=False),
        Column("since", String(32), nullable=False),
        Column("created_by", String(255), nullable=False),
    )
    # Implied links look up other things carrying the same identifier, phone or e-mail.
    # Partial: those values are short (a btree on every text value would break
    # PostgreSQL's index row size limit).
    statement = metadata.tables["statement"]
    shared = text("prop_type IN ('identifier', 'phone', 'email')")
    Index(
        "ix_statement_shared",
        statement.c.value,
        postgresql_where=shared,
        sqlite_where=shared,
    )
    return judgment, xref_candidate, watch
