"""Decisions on screened shipment lines (issue 28): an append-only log per organisation.

A row binds a verdict (``clear``, ``escalate`` or ``reopened``) to the line as screened
(``line_id`` and ``line_hash``, a digest of every field screened, the fields kept in
``line`` as JSON) and to the data it was screened with (``data_version``: the CHPL, the
alerts and a digest of the rules). ``finding`` keeps the goods and route part of the
flags as then shown; hits on parties are decided through the screening decisions, so
that nothing read about a listed entity is kept here. Migration 0013_goods_decision.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text


def define(metadata: MetaData) -> Table:
    return Table(
        "goods_decision",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("organisation", String(255), nullable=False),
        Column("line_id", String(255), nullable=False),
        Column("line_hash", String(64), nullable=False),
        Column("line", Text, nullable=False),
        Column("decision", String(16), nullable=False),
        Column("reason", Text, nullable=False),
        Column("decided_by", String(255), nullable=False),
        Column("decided_at", String(32), nullable=False),
        Column("data_version", String(255), nullable=False),
        Column("finding", Text, nullable=False),
        Column("supersedes", Integer, nullable=True),
        Index("ix_goods_decision_lookup", "organisation", "line_id"),
    )
