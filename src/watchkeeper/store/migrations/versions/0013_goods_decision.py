"""Decisions on screened shipment lines (issue 28): clear, escalate or reopened, bound to
the line's digest and the data version it was screened with (store/goods_schema.py).

Revision ID: 0013_goods_decision
Revises: 0012_sharing
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_goods_decision"
down_revision = "0012_sharing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "goods_decision",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(255), nullable=False),
        sa.Column("line_id", sa.String(255), nullable=False),
        sa.Column("line_hash", sa.String(64), nullable=False),
        sa.Column("line", sa.Text, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("decided_at", sa.String(32), nullable=False),
        sa.Column("data_version", sa.String(255), nullable=False),
        sa.Column("finding", sa.Text, nullable=False),
        sa.Column("supersedes", sa.Integer, nullable=True),
    )
    op.create_index("ix_goods_decision_lookup", "goods_decision", ["organisation", "line_id"])


def downgrade() -> None:
    op.drop_index("ix_goods_decision_lookup", table_name="goods_decision")
    op.drop_table("goods_decision")
