"""Estimates and analysts' judgments (issue 16).

Revision ID: 0008_assessment
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_assessment"
down_revision = "0002"
branch_labels = ("assessment",)
depends_on = None

HISTORY = ("first_seen", "last_seen", "ended_at")


def _common() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("dataset", sa.String(255), nullable=False),
        sa.Column("source_id", sa.String(255), sa.ForeignKey("source.id"), nullable=False),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("marking.id"), nullable=False),
        sa.Column("credibility", sa.SmallInteger, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "estimate",
        *_common(),
        sa.Column("measure", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("bound", sa.String(16), nullable=False),
        sa.Column("low", sa.Float, nullable=True),
        sa.Column("best", sa.Float, nullable=True),
        sa.Column("high", sa.Float, nullable=True),
        sa.Column("capacity", sa.SmallInteger, nullable=False),
        sa.Column("period_start", sa.String(32), nullable=True),
        sa.Column("period_end", sa.String(32), nullable=True),
        sa.Column("reported", sa.String(32), nullable=False),
        sa.Column("estimator", sa.Text, nullable=False),
        sa.Column("sector", sa.String(32), nullable=True),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("statement", sa.Text, nullable=False),
        sa.Column("event_id", sa.String(255), nullable=True),
        *(sa.Column(name, sa.String(32), nullable=True) for name in HISTORY),
    )
    op.create_index("ix_estimate_measure", "estimate", ["measure", "marking_id"])
    op.create_index("ix_estimate_dataset", "estimate", ["dataset", "ended_at"])
    op.create_table(
        "analyst_judgment",
        *_common(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("object", sa.String(255), nullable=True),
        sa.Column("value", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("analyst", sa.Text, nullable=False),
        sa.Column("confidence", sa.String(16), nullable=True),
        sa.Column("made_on", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        *(sa.Column(name, sa.String(32), nullable=True) for name in HISTORY),
    )
    op.create_index("ix_analyst_judgment_kind", "analyst_judgment", ["kind", "marking_id"])
    op.create_index("ix_analyst_judgment_dataset", "analyst_judgment", ["dataset", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_analyst_judgment_dataset", "analyst_judgment")
    op.drop_index("ix_analyst_judgment_kind", "analyst_judgment")
    op.drop_table("analyst_judgment")
    op.drop_index("ix_estimate_dataset", "estimate")
    op.drop_index("ix_estimate_measure", "estimate")
    op.drop_table("estimate")
