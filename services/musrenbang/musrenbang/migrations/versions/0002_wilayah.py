"""wilayah: the region tree (kab/kota, kecamatan, desa/kelurahan) of the pemda using this database

Loaded from data/wilayah_indonesia.csv by `musrenbang-refdata --pemda <kode>` (eplanning_common.wilayah).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wilayah",
        sa.Column("kode", sa.Text, primary_key=True),
        sa.Column("nama", sa.Text, nullable=False),
        sa.Column("tingkat", sa.Text, nullable=False),
        # parent code: kecamatan -> kab/kota, desa -> kecamatan; NULL for the kab/kota row (its
        # province is not loaded)
        sa.Column("induk", sa.Text, nullable=True),
        sa.Column("pemda", sa.Text, nullable=False),
        sa.CheckConstraint("tingkat in ('kabupaten_kota', 'kecamatan', 'desa_kelurahan')",
                           name="wilayah_tingkat_known"),
    )
    op.create_index("wilayah_pemda_tingkat", "wilayah", ["pemda", "tingkat"])
    op.create_index("wilayah_induk", "wilayah", ["induk"])


def downgrade() -> None:
    op.drop_index("wilayah_induk", table_name="wilayah")
    op.drop_index("wilayah_pemda_tingkat", table_name="wilayah")
    op.drop_table("wilayah")
