"""nomenklatur_versi and nomenklatur: the versioned national code tree (urusan .. sub kegiatan)

Loaded from data/nomenklatur_kabkota.csv by `renja-refdata --versi <versi>` (renja.nomenklatur).
A loaded version is never rewritten: a planning cycle stays pinned to the version it used.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nomenklatur_versi",
        sa.Column("versi", sa.Text, primary_key=True),
        sa.Column("sumber", sa.Text),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("dimuat_pada", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("jumlah", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    op.create_table(
        "nomenklatur",
        sa.Column("versi", sa.Text, sa.ForeignKey("nomenklatur_versi.versi"), primary_key=True),
        sa.Column("kode", sa.Text, primary_key=True),
        sa.Column("tingkat", sa.Text, nullable=False),
        sa.Column("nama", sa.Text, nullable=False),
        sa.Column("kinerja", sa.Text),
        sa.Column("indikator", sa.Text),
        sa.Column("satuan", sa.Text),
        sa.Column("induk", sa.Text),
        sa.Column("jenis_kegiatan", sa.Text),
        sa.CheckConstraint(
            "tingkat in ('urusan', 'bidang_urusan', 'program', 'kegiatan', 'sub_kegiatan')",
            name="nomenklatur_tingkat_known"),
        sa.CheckConstraint(
            "jenis_kegiatan is null or jenis_kegiatan in "
            "('umum', 'otsus_papua', 'keistimewaan_diy', 'kekhususan_aceh')",
            name="nomenklatur_jenis_kegiatan_known"),
    )
    op.create_index("nomenklatur_versi_tingkat", "nomenklatur", ["versi", "tingkat"])
    op.create_index("nomenklatur_versi_induk", "nomenklatur", ["versi", "induk"])


def downgrade() -> None:
    op.drop_index("nomenklatur_versi_induk", table_name="nomenklatur")
    op.drop_index("nomenklatur_versi_tingkat", table_name="nomenklatur")
    op.drop_table("nomenklatur")
    op.drop_table("nomenklatur_versi")
