"""stage closes, copies of upstream facts, narrative, versions

Revision ID: 0002
Revises: 0001
"""
from alembic import op

from eplanning_common.wilayah import metadata as wilayah_metadata
from rkpd.tables import metadata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("stage", "usulan_base", "usulan_decision", "opd_decision", "pokir_copy", "renja_row_copy", "narrative",
          "rkpd_version", "waiting")


def upgrade() -> None:
    wilayah_metadata.create_all(op.get_bind(), checkfirst=True)  # names of kecamatan and desa in the annexes
    metadata.create_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)
    wilayah_metadata.drop_all(op.get_bind(), checkfirst=True)
