"""The calendar of Permendagri 86/2017: which order each pemda/year follows (rkpd_cycle; every
year already in this database is played under the old order, `lama`), Bappeda's rancangan awal
settings, copies of the OPD ceilings (pagu.set.v1), the Forum PD closes, the pokir reviews, the
Perubahan RKPD, the Musrenbang RKPD forum record beside its close, and which versions were
published (rkpd_version.published, backfilled: a legacy version was published exactly when its
stage name differs from the previous version's).

Revision ID: 0006_calendar
Revises: 0005_document_store
"""
from alembic import op

from rkpd.tables import metadata

revision = "0006_calendar"
down_revision = "0005_document_store"
branch_labels = None
depends_on = None

TABLES = ("rkpd_cycle", "pagu_copy", "forum_close", "pokir_review", "perubahan")


def upgrade() -> None:
    op.execute("ALTER TABLE stage ADD COLUMN IF NOT EXISTS forum jsonb")
    op.execute("ALTER TABLE rkpd_version ADD COLUMN IF NOT EXISTS published boolean NOT NULL DEFAULT false")
    metadata.create_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)
    op.execute("""
        UPDATE rkpd_version v SET published = true
        FROM rkpd_version p
        WHERE p.pemda = v.pemda AND p.tahun = v.tahun AND p.nomor = v.nomor - 1 AND p.versi <> v.versi""")
    op.execute("""
        INSERT INTO rkpd_cycle (pemda, tahun, tata_urutan)
        SELECT pemda, tahun, 'lama' FROM (
            SELECT pemda, tahun FROM stage UNION SELECT pemda, tahun FROM rkpd_version
            UNION SELECT pemda, tahun FROM usulan_base UNION SELECT pemda, tahun FROM pokir_copy
            UNION SELECT pemda, tahun FROM renja_row_copy UNION SELECT pemda, tahun FROM narrative) years
        ON CONFLICT DO NOTHING""")


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)
    op.execute("ALTER TABLE rkpd_version DROP COLUMN IF EXISTS published")
    op.execute("ALTER TABLE stage DROP COLUMN IF EXISTS forum")
