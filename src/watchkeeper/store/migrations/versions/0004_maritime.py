"""Acknowledgements of maritime alerts, per organisation.

Revision ID: 0004_maritime
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_maritime"
down_revision = "0002"
branch_labels = ("maritime",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maritime_alert_ack",
        sa.Column("organisation", sa.String(255), primary_key=True),
        sa.Column("alert_id", sa.String(255), primary_key=True),
        sa.Column("acknowledged_by", sa.String(255), nullable=False),
        sa.Column("acknowledged_at", sa.String(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("maritime_alert_ack")
