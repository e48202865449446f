"""Every source has a kind of material: fact (the default), simulated or exercise (issue
24: simulated AIS detections were reported as events). Sources stored before are facts,
except the demo's simulated AIS runs, recognisable by their title.

Revision ID: 0011_source_material
Revises: 0010_screening_decision_log
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_source_material"
down_revision = "0010_screening_decision_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.add_column(
            sa.Column("material", sa.String(16), nullable=False, server_default="fact")
        )
    # The demo wrote its simulated detections under this title (maritime/link.py), and
    # the links it derived from them under the same run's digest.
    op.execute(
        "UPDATE source SET material = 'simulated' WHERE title = 'Simulated AIS (demo scenario)'"
    )
    op.execute(
        "UPDATE source SET material = 'simulated' WHERE dataset = 'wk_ais_links' AND "
        "substr(id, length('wk_ais_links:') + 1) IN (SELECT substr(id, length('wk_ais:') + 1) "
        "FROM source WHERE material = 'simulated' AND dataset = 'wk_ais')"
    )


def downgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.drop_column("material")
