"""Screening decisions become an append-only log bound to the record screened and the
candidate's version, with what replays them (issue 25): a row per verdict (``id``), the
record's digest and properties, the score and explanation, the list releases and the
screening configuration's digest, and the row a reopening or new verdict ``supersedes``.
The existing rows are kept, in decision order, with an empty record digest (they were
bound to the query id alone).

Revision ID: 0010_screening_decision_log
Revises: 0009_assessment_retract
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_screening_decision_log"
down_revision = "0009_assessment_retract"
branch_labels = None
depends_on = None

KEPT = "organisation, query_id, entity_id, decision, reason, decided_by, decided_at, fingerprint"


def upgrade() -> None:
    # A new table renamed into place: its primary key (an id) replaces the old one on
    # SQLite and PostgreSQL alike, without altering a key in place.
    op.create_table(
        "screening_decision_v2",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(255), nullable=False),
        sa.Column("query_id", sa.String(255), nullable=False),
        sa.Column("record_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("decided_at", sa.String(32), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("record", sa.Text, nullable=False, server_default=""),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("explanation", sa.Text, nullable=False, server_default=""),
        sa.Column("release", sa.Text, nullable=False, server_default=""),
        sa.Column("config", sa.String(64), nullable=False, server_default=""),
        sa.Column("supersedes", sa.Integer, nullable=True),
    )
    op.execute(
        f"INSERT INTO screening_decision_v2 ({KEPT}) SELECT {KEPT} FROM screening_decision"
        " ORDER BY decided_at, organisation, query_id, entity_id"
    )
    op.drop_table("screening_decision")
    op.rename_table("screening_decision_v2", "screening_decision")
    op.create_index(
        "ix_screening_decision_lookup",
        "screening_decision",
        ["organisation", "query_id", "entity_id"],
    )


def downgrade() -> None:
    # The old shape holds one decision per (organisation, query, entity): the latest.
    op.create_table(
        "screening_decision_v1",
        sa.Column("organisation", sa.String(255), primary_key=True),
        sa.Column("query_id", sa.String(255), primary_key=True),
        sa.Column("entity_id", sa.String(255), primary_key=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("decided_at", sa.String(32), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )
    op.execute(
        f"INSERT INTO screening_decision_v1 ({KEPT}) SELECT {KEPT} FROM screening_decision d"
        " WHERE d.decision <> 'reopened' AND d.id = (SELECT max(e.id) FROM screening_decision e"
        " WHERE e.organisation = d.organisation AND e.query_id = d.query_id"
        " AND e.entity_id = d.entity_id AND e.decision <> 'reopened')"
    )
    op.drop_index("ix_screening_decision_lookup", "screening_decision")
    op.drop_table("screening_decision")
    op.rename_table("screening_decision_v1", "screening_decision")
