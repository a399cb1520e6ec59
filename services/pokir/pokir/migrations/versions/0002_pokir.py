"""region tree, DPRD register, reses, catalogue, pokir, copies of Musrenbang facts

Revision ID: 0002
Revises: 0001
"""
from alembic import op

from eplanning_common.wilayah import metadata as wilayah_metadata
from pokir.tables import metadata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


LATER = {"kebijakan"}  # tables a later revision creates (0004)


def _tables():
    return [t for t in metadata.sorted_tables if t.name not in LATER]


def upgrade() -> None:
    wilayah_metadata.create_all(op.get_bind(), checkfirst=True)
    metadata.create_all(op.get_bind(), tables=_tables(), checkfirst=True)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=_tables(), checkfirst=True)
    wilayah_metadata.drop_all(op.get_bind(), checkfirst=True)
