"""Index the outbox's row.deleted events by subject: a create with a request id looks there to
tell "never created" from "created, then deleted" without scanning the outbox.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS outbox_row_deleted_subject ON outbox ((envelope->>'subject')) "
               "WHERE routing_key = 'row.deleted.v1'")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS outbox_row_deleted_subject")
