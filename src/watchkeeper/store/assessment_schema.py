"""The assessment tables: estimates and analysts' judgments (issue 16).

Both sit beside ``statement`` under the same rules: every row points at the ``source`` it
came from and at the ``marking`` that governs who may see it, keeps the information
credibility (Admiralty 1-6) and its history (first seen, last seen, ended), and is read
only through a viewer's visible marking ids (:mod:`watchkeeper.store.assessment`).

Why tables of their own rather than statements of an extension schema: an estimate's
figures are numbers that are compared, sorted and charted (``low``/``best``/``high`` as
floats, checked in SQL), and FollowTheMoney's model is global to the process, so a
schema of our own would have to be patched into it at import time for the Reader to
assemble such entities. A judgment (a prior, a likelihood, a consistency mark, a
capability status) is a subject-kind-object-value record with a reason and the analyst
it is attributed to, which FtM has no schema for either.

Judgments and estimates are statements too: the organisation their information belongs
to re-marks or retracts them (``watchkeeper assess remark|retract``) as it does
statements, in place, with the reason in ``statement_audit``.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, SmallInteger, String, Table, Text

from watchkeeper.store.schema import metadata

estimate = Table(
    "estimate",
    metadata,
    # A digest of the dataset, the item's key, its content and its marking: a changed
    # figure is a new row and the old one ends, as a changed value does for statements.
    Column("id", String(64), primary_key=True),
    Column("key", String(255), nullable=False),
    Column("dataset", String(255), nullable=False),
    Column("source_id", String(255), ForeignKey("source.id"), nullable=False),
    Column("marking_id", Integer, ForeignKey("marking.id"), nullable=False),
    Column("credibility", SmallInteger, nullable=True),
    Column("measure", String(64), nullable=False),
    Column("unit", String(64), nullable=False),
    Column("subject", Text, nullable=False),
    Column("bound", String(16), nullable=False),
    Column("low", Float, nullable=True),
    Column("best", Float, nullable=True),
    Column("high", Float, nullable=True),
    Column("capacity", SmallInteger, nullable=False, default=0),
    Column("period_start", String(32), nullable=True),
    Column("period_end", String(32), nullable=True),
    Column("reported", String(32), nullable=False),
    Column("estimator", Text, nullable=False),
    Column("sector", String(32), nullable=True),
    Column("method", Text, nullable=False),
    Column("statement", Text, nullable=False),
    # An FtM entity (a theater event) reporting the same figure; shown only to viewers
    # who may see that entity.
    Column("event_id", String(255), nullable=True),
    Column("first_seen", String(32), nullable=True),
    Column("last_seen", String(32), nullable=True),
    Column("ended_at", String(32), nullable=True),
    # Set when the organisation the estimate's information belongs to withdraws it: it
    # leaves every view, current and history (migration 0009), as a retracted statement.
    Column("retracted_at", String(32), nullable=True),
)
Index("ix_estimate_measure", estimate.c.measure, estimate.c.marking_id)
Index("ix_estimate_dataset", estimate.c.dataset, estimate.c.ended_at)

judgment = Table(
    "analyst_judgment",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("key", String(255), nullable=False),
    Column("dataset", String(255), nullable=False),
    Column("source_id", String(255), ForeignKey("source.id"), nullable=False),
    Column("marking_id", Integer, ForeignKey("marking.id"), nullable=False),
    Column("credibility", SmallInteger, nullable=True),
    # scenario, prior, indicator, likelihood, observation, evidence, consistency,
    # capability, question
    Column("kind", String(32), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("object", String(255), nullable=True),
    Column("value", Text, nullable=True),
    Column("reason", Text, nullable=False),
    Column("analyst", Text, nullable=False),
    Column("confidence", String(16), nullable=True),
    Column("made_on", String(32), nullable=False),
    # Whatever else the kind carries (titles, descriptions, lists of evidence), as JSON.
    Column("detail", Text, nullable=False, default="{}"),
    Column("first_seen", String(32), nullable=True),
    Column("last_seen", String(32), nullable=True),
    Column("ended_at", String(32), nullable=True),
    Column("retracted_at", String(32), nullable=True),
)
Index("ix_analyst_judgment_kind", judgment.c.kind, judgment.c.marking_id)
Index("ix_analyst_judgment_dataset", judgment.c.dataset, judgment.c.ended_at)

TABLES: tuple[Table, ...] = (estimate, judgment)
