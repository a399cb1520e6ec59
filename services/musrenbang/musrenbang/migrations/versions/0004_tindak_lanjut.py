"""tindak_lanjut: Renja's decisions on routed usulan

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tindak_lanjut",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("usulan_id", sa.Text, sa.ForeignKey("usulan.id"), nullable=False, index=True),
        sa.Column("opd", sa.Text, nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("renja_row_id", sa.Text),
        sa.Column("volume", sa.Numeric(20, 3)),
        sa.Column("cost", sa.Numeric(20, 2)),
        sa.Column("rerouted_to", sa.Text),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tindak_lanjut")
