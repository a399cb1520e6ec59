"""outbox and processed_events (the shared plumbing tables)

Revision ID: 0001
Revises:
"""
from alembic import op

from eplanning_common.schema import create_plumbing_tables, drop_plumbing_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_plumbing_tables(op)


def downgrade() -> None:
    drop_plumbing_tables(op)
