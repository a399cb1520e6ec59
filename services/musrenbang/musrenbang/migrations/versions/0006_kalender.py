"""The planning calendar (issue #16): `tata_urutan` of each year's schedule (every year already in
the database was played in the old order: "lama"), the steps other services reported closed, the
exactly-once record of usulan routed to their OPD, and the Musrenbang RKPD forum.

Revision ID: 0006_kalender
Revises: 0005_audit
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006_kalender"
down_revision = "0005_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jadwal", sa.Column("tata_urutan", sa.Text, nullable=False, server_default="lama"))
    # the stored schedule says it too (codec reads a schedule without tata_urutan as "lama" as well)
    op.execute("UPDATE jadwal SET doc = doc || '{\"tata_urutan\": \"lama\"}'::jsonb WHERE NOT doc ? 'tata_urutan'")
    op.create_table(
        "tahap_ditutup",
        sa.Column("pemda", sa.Text, primary_key=True),
        sa.Column("tahun", sa.Integer, primary_key=True),
        sa.Column("step", sa.Text, primary_key=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_event", sa.Text, nullable=False),
    )
    op.create_table(
        "usulan_diteruskan",
        sa.Column("usulan_id", sa.Text, sa.ForeignKey("usulan.id"), primary_key=True),
        sa.Column("opd", sa.Text, nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.Text, nullable=False),
    )
    op.create_table(
        "forum_rkpd",
        sa.Column("pemda", sa.Text, primary_key=True),
        sa.Column("tahun", sa.Integer, primary_key=True),
        sa.Column("record", JSONB, nullable=False),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("closed_by", sa.Text),
        sa.Column("document", sa.Text),
        sa.Column("digest", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("forum_rkpd")
    op.drop_table("usulan_diteruskan")
    op.drop_table("tahap_ditutup")
    op.drop_column("jadwal", "tata_urutan")
