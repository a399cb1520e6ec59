"""lampiran: an usulan's attachments, and stored_object: their bytes in this database (the
default document store, eplanning_common.storage.postgres)

Revision ID: 0006_lampiran
Revises: 0005_audit
"""
import sqlalchemy as sa
from alembic import op

from eplanning_common.storage.postgres import create_table, drop_table

revision = "0006_lampiran"
down_revision = "0005_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lampiran",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("usulan_id", sa.Text, sa.ForeignKey("usulan.id"), nullable=False),
        sa.Column("pemda", sa.Text, nullable=False),
        sa.Column("tahun", sa.Integer, nullable=False),
        sa.Column("jenis", sa.Text, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("ukuran", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("storage_key", sa.Text, nullable=False, unique=True),
        sa.Column("lokasi_disimpan", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("lampiran_usulan", "lampiran", ["usulan_id", "created_at"])
    create_table(op.get_bind())


def downgrade() -> None:
    drop_table(op.get_bind())
    op.drop_index("lampiran_usulan", table_name="lampiran")
    op.drop_table("lampiran")
