"""region tree, OPD register, cycles, ceilings, renja lifecycle, rows, inbox, snapshots

Revision ID: 0003
Revises: 0002
"""
from alembic import op

from eplanning_common.wilayah import metadata as wilayah_metadata
from renja.tables import metadata

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("opd", "siklus", "pagu", "renja_state", "renja_row", "inbox_item", "snapshot")


def upgrade() -> None:
    wilayah_metadata.create_all(op.get_bind(), checkfirst=True)  # locations are checked against it
    metadata.create_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)
    wilayah_metadata.drop_all(op.get_bind(), checkfirst=True)
