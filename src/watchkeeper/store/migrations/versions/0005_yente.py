"""What FtM exports say about an entity beyond its values: publishing datasets,
referents, target and OpenSanctions' first/last seen and last change.

Revision ID: 0005_yente
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_yente"
down_revision = "0002"
branch_labels = ("yente",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entity_origin",
        sa.Column("dataset", sa.String(255), primary_key=True),
        sa.Column("entity_id", sa.String(255), primary_key=True),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("marking.id"), nullable=False),
        sa.Column("datasets", sa.Text, nullable=True),
        sa.Column("target", sa.Boolean, nullable=True),
        sa.Column("first_seen", sa.String(32), nullable=True),
        sa.Column("last_seen", sa.String(32), nullable=True),
        sa.Column("last_change", sa.String(32), nullable=True),
    )
    op.create_table(
        "entity_referent",
        sa.Column("dataset", sa.String(255), primary_key=True),
        sa.Column("entity_id", sa.String(255), primary_key=True),
        sa.Column("referent", sa.String(255), primary_key=True),
    )
    op.create_index("ix_entity_referent_referent", "entity_referent", ["referent"])


def downgrade() -> None:
    op.drop_index("ix_entity_referent_referent", "entity_referent")
    op.drop_table("entity_referent")
    op.drop_table("entity_origin")
