"""Investigations: judgments on pairs of entities, the xref review queue, watches.

Revision ID: 0006_investigations
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_investigations"
down_revision = "0002"
branch_labels = ("investigations",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judgment",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(255), nullable=False),
        sa.Column("left_id", sa.String(255), nullable=False),
        sa.Column("right_id", sa.String(255), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("decided_at", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("rule", sa.String(64), nullable=True),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("marking.id"), nullable=False),
    )
    op.create_index("ix_judgment_pair", "judgment", ["left_id", "right_id"])
    op.create_index("ix_judgment_marking", "judgment", ["marking_id"])
    op.create_table(
        "xref_candidate",
        sa.Column("organisation", sa.String(255), primary_key=True),
        sa.Column("left_id", sa.String(255), primary_key=True),
        sa.Column("right_id", sa.String(255), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "watch",
        sa.Column("organisation", sa.String(255), primary_key=True),
        sa.Column("entity_id", sa.String(255), primary_key=True),
        sa.Column("hops", sa.Integer, nullable=False),
        sa.Column("since", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
    )

    shared = sa.text("prop_type IN ('identifier', 'phone', 'email')")
    op.create_index(
        "ix_statement_shared",
        "statement",
        ["value"],
        postgresql_where=shared,
        sqlite_where=shared,
    )


def downgrade() -> None:
    op.drop_index("ix_statement_shared", "statement")
    op.drop_table("watch")
    op.drop_table("xref_candidate")
    op.drop_index("ix_judgment_marking", "judgment")
    op.drop_index("ix_judgment_pair", "judgment")
    op.drop_table("judgment")
