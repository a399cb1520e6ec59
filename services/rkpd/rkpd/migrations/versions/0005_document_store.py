"""stored_object: the rendered RKPD files in this database (eplanning_common.storage.postgres),
the default document store. Versions rendered before it keep their folder as `location` until
`rkpd-documents import-local` puts their files into the configured store.

Revision ID: 0005_document_store
Revises: 0004_narrative_version
"""
from alembic import op

from eplanning_common.storage.postgres import create_table, drop_table

revision = "0005_document_store"
down_revision = "0004_narrative_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_table(op.get_bind())


def downgrade() -> None:
    drop_table(op.get_bind())
