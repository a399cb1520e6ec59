"""kebijakan: the local policy per pemda and plan year (the per-member pokir ceiling, off unless
set), and jendela.kalender: this service's copy of the planning calendar's windows by step.
Years without a kebijakan row have no ceiling; a pokir's Bappeda review lives in its JSONB doc (older
pokir simply have none).

Revision ID: 0004_kebijakan
Revises: 0003_audit
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_kebijakan"
down_revision = "0003_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE jendela ADD COLUMN IF NOT EXISTS kalender JSONB")
    op.create_table(
        "kebijakan",
        sa.Column("pemda", sa.Text, primary_key=True),
        sa.Column("tahun", sa.Integer, primary_key=True),
        sa.Column("pagu_aktif", sa.Boolean, nullable=False),
        sa.Column("pagu_jumlah", sa.Numeric(20, 2)),
        sa.Column("set_by", sa.Text, nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE jendela DROP COLUMN IF EXISTS kalender")
    op.drop_table("kebijakan")
