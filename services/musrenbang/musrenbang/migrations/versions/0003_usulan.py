"""kamus usulan, jadwal, usulan, scoring, kecamatan forums

Revision ID: 0003
Revises: 0002
"""
from alembic import op

from musrenbang.tables import metadata

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


TABLES = ("kamus_item", "jadwal", "usulan", "skema_penilaian", "skor", "forum_kecamatan")


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)
