"""Re-marking and retraction: a statement may be withdrawn from every view, an audit of
who changed a statement's marking or withdrew it, a record of changes to organisations
(a country decides what a partner may see), and a revision counter that every write
moves (derived indexes compare it to know they are stale).

Revision ID: 0003_hardening
Revises: 0002
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0003_hardening"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("statement") as batch:
        batch.add_column(sa.Column("retracted_at", sa.String(32), nullable=True))
    op.create_table(
        "statement_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("statement_id", sa.String(64), nullable=False, index=True),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("old_marking_id", sa.Integer, sa.ForeignKey("marking.id"), nullable=False),
        sa.Column("new_marking_id", sa.Integer, sa.ForeignKey("marking.id"), nullable=True),
        sa.Column("organisation", sa.String(255), nullable=False),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("owner", sa.String(255), nullable=False, index=True),
    )
    op.create_table(
        "organisation_change",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False, index=True),
        sa.Column("old_country", sa.String(3), nullable=True),
        sa.Column("new_country", sa.String(3), nullable=True),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    with op.batch_alter_table("source") as batch:
        batch.add_column(
            sa.Column("date_assumed", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_table(
        "source_change",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False, index=True),
        sa.Column("old_published", sa.String(32), nullable=True),
        sa.Column("new_published", sa.String(32), nullable=True),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_table(
        "store_revision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("instance", sa.String(32), nullable=False),
    )
    # The instance tells two stores apart whose revisions happen to be equal (a
    # workspace deleted and re-imported keeps its cache folder).
    op.execute(
        f"INSERT INTO store_revision (id, revision, instance) VALUES (1, 0, '{uuid.uuid4().hex}')"
    )


def downgrade() -> None:
    op.drop_table("store_revision")
    op.drop_table("organisation_change")
    op.drop_table("source_change")
    with op.batch_alter_table("source") as batch:
        batch.drop_column("date_assumed")
    op.drop_table("statement_audit")
    with op.batch_alter_table("statement") as batch:
        batch.drop_column("retracted_at")
