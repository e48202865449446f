"""Partner sharing (issue 23): the release log, partners' signing keys, partners' STIX
objects (their versions and the properties no statement holds).

Revision ID: 0012_sharing
Revises: 0011_source_material
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_sharing"
down_revision = "0011_source_material"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "share_release",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("organisation", sa.String(255), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("released_by", sa.String(255), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("selection", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("object_count", sa.Integer, nullable=False),
        sa.Column("withheld_count", sa.Integer, nullable=False),
        sa.Column("objects", sa.Text, nullable=False),
    )
    op.create_index("ix_share_release_org", "share_release", ["organisation", "id"])
    op.create_table(
        "share_key",
        sa.Column("organisation", sa.String(255), primary_key=True),
        sa.Column("public_key", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.Column("added_by", sa.String(255), nullable=False),
    )
    op.create_table(
        "share_object",
        sa.Column("stix_id", sa.String(255), primary_key=True),
        sa.Column("partner", sa.String(255), nullable=False),
        sa.Column("modified", sa.String(32), nullable=False),
        sa.Column("revoked", sa.Integer, nullable=False, server_default="0"),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("marking.id"), nullable=False),
        sa.Column("extra", sa.Text, nullable=False, server_default="{}"),
    )


def downgrade() -> None:
    op.drop_table("share_object")
    op.drop_table("share_key")
    op.drop_index("ix_share_release_org", table_name="share_release")
    op.drop_table("share_release")
