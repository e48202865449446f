"""The knowledge base: markings, sources, statements, organisations.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "marking",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(2048), nullable=False, unique=True),
        sa.Column("tlp", sa.String(16), nullable=False),
        sa.Column("rel_to", sa.Text, nullable=True),
        sa.Column("originator", sa.String(255), nullable=True),
        sa.Column("recipients", sa.Text, nullable=False),
    )
    op.create_table(
        "source",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("dataset", sa.String(255), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("publisher", sa.Text, nullable=False),
        sa.Column("reliability", sa.String(1), nullable=False),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("published", sa.String(32), nullable=True),
        sa.Column("retrieved", sa.String(32), nullable=False),
        sa.Column("checksum", sa.String(128), nullable=True),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("marking.id"), nullable=False),
    )
    op.create_table(
        "statement",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("prop", sa.String(64), nullable=False),
        sa.Column("prop_type", sa.String(32), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("lang", sa.String(8), nullable=True),
        sa.Column("original_value", sa.Text, nullable=True),
        sa.Column("dataset", sa.String(255), nullable=False),
        sa.Column("source_id", sa.String(255), sa.ForeignKey("source.id"), nullable=False),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("marking.id"), nullable=False),
        sa.Column("own_marking", sa.Boolean, nullable=False),
        sa.Column("credibility", sa.SmallInteger, nullable=True),
        sa.Column("first_seen", sa.String(32), nullable=True),
        sa.Column("last_seen", sa.String(32), nullable=True),
        sa.Column("ended_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_statement_entity", "statement", ["entity_id", "marking_id"])
    op.create_index("ix_statement_dataset", "statement", ["dataset", "ended_at"])
    op.create_index(
        "ix_statement_entity_ref",
        "statement",
        ["value"],
        postgresql_where=sa.text("prop_type = 'entity'"),
        sqlite_where=sa.text("prop_type = 'entity'"),
    )
    op.create_table(
        "organisation",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("country", sa.String(3), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("organisation")
    op.drop_index("ix_statement_entity_ref", "statement")
    op.drop_index("ix_statement_dataset", "statement")
    op.drop_index("ix_statement_entity", "statement")
    op.drop_table("statement")
    op.drop_table("source")
    op.drop_table("marking")
