"""The planning calendar (issue #16): `tata_urutan` of each year's schedule (every year already in
the database was played in the old order: "lama"), the steps other services reported closed, the
exactly-once record of usulan routed to their OPD, and the Musrenbang RKPD forum.

Revision ID: 0007_kalender
Revises: 0006_lampiran
"""
from alembic import op

from musrenbang.tables import metadata

revision = "0007_kalender"
down_revision = "0006_lampiran"
branch_labels = None
depends_on = None


TABLES = ("tahap_ditutup", "usulan_diteruskan", "forum_rkpd")


def upgrade() -> None:
    # 0003 creates `jadwal` from the current metadata (a fresh database has the column already)
    op.execute("ALTER TABLE jadwal ADD COLUMN IF NOT EXISTS tata_urutan TEXT NOT NULL DEFAULT 'lama'")
    # the stored schedule says it too (codec reads a schedule without tata_urutan as "lama" as well)
    op.execute("UPDATE jadwal SET doc = doc || '{\"tata_urutan\": \"lama\"}'::jsonb WHERE NOT doc ? 'tata_urutan'")
    metadata.create_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)
    op.execute("ALTER TABLE jadwal DROP COLUMN IF EXISTS tata_urutan")
