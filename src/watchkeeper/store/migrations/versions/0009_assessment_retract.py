"""Estimates and judgments may be retracted, like statements (issue 16: judgments are
statements too); re-markings and retractions of them are audited in ``statement_audit``.

Revision ID: 0009_assessment_retract
Revises: 0008_assessment
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_assessment_retract"
down_revision = "0008_assessment"
branch_labels = None
# The audit of corrections is the hardening migration's table.
depends_on = "0003_hardening"


def upgrade() -> None:
    for table in ("estimate", "analyst_judgment"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("retracted_at", sa.String(32), nullable=True))


def downgrade() -> None:
    for table in ("analyst_judgment", "estimate"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("retracted_at")
